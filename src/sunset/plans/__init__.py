"""Retirement plans: the dated phases of each local network's old network, and what they forbid."""
