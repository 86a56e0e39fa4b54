"""`sunset verify`: prove the invariants of money and numbers on the whole database."""
