"""Subscribers of the old network: customers, lines and their numbers."""
