"""A reproducible synthetic operator (the PHS base of DOMAIN.md's places) for demos and benches."""
