"""Pure rules of the ledger: entry kinds, their signs, and the conservation of money."""

from __future__ import annotations

from enum import StrEnum


class EntryKind(StrEnum):
    """What moved the money. Amounts are signed: money in is positive, money out negative."""

    OPENING_BALANCE = "opening_balance"  # balance brought in from the operator's BSS at import
    TOP_UP = "top_up"
    CHARGE = "charge"
    CREDIT = "credit"  # service credit, e.g. for days without service
    REFUND = "refund"  # money paid back to the customer
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"


MONEY_IN = (EntryKind.OPENING_BALANCE, EntryKind.TOP_UP, EntryKind.CREDIT, EntryKind.TRANSFER_IN)
MONEY_OUT = (EntryKind.CHARGE, EntryKind.REFUND, EntryKind.TRANSFER_OUT)


def signed_amount(kind: EntryKind, amount_fen: int) -> int:
    """Give a positive amount the sign its kind carries: a 70-yuan charge is -7000 fen.

    >>> signed_amount(EntryKind.CHARGE, 7000)
    -7000
    """
    if amount_fen <= 0:
        raise ValueError(f"amount must be positive, got {amount_fen}")
    return amount_fen if kind in MONEY_IN else -amount_fen
