"""Base stations of the old network."""
