"""Reference data: operators, networks (technologies) and local networks (area codes)."""
