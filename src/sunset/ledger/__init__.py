"""The ledger: every movement of money is an immutable entry; a balance sums its entries."""
