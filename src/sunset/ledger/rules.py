"""Pure rules of the ledger: entry kinds, their signs, and the conservation of money."""

from __future__ import annotations

from datetime import date, timedelta
from enum import IntEnum, StrEnum


class EntryKind(StrEnum):
    """What moved the money. Amounts are signed: money in is positive, money out negative."""

    OPENING_BALANCE = "opening_balance"  # balance brought in from the operator's BSS at import
    TOP_UP = "top_up"
    CHARGE = "charge"
    CREDIT = "credit"  # service credit, e.g. for days without service
    REFUND = "refund"  # money paid back to the customer
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"


class EntryCause(IntEnum):
    """Why the system wrote an entry: with the local network, the period and the line, its
    identity (``part`` tells several entries of one cause on one line in one period apart).

    The first four are set-based postings whose identity is derived, so a rerun writes the same
    identity and the primary key refuses it: one charge a line a month (part 0), one opening
    balance and one switch-off refund a line (part 0), and outage credits of a line-month whose
    part is the fen earlier outage credits already gave back for that month (a history recorded
    later credits only the difference, under a new part). The others are posted one line at a
    time under a key given by a person or a client (``ledger_keys``); their part is the next
    free one.
    """

    OPENING = 1
    CHARGE = 2
    REFUND = 3
    OUTAGE_CREDIT = 4
    KEYED_OPENING = 10
    KEYED_TOP_UP = 11
    KEYED_CHARGE = 12
    KEYED_CREDIT = 13
    KEYED_REFUND = 14
    KEYED_TRANSFER_IN = 15
    KEYED_TRANSFER_OUT = 16


KEYED_CAUSE = {
    EntryKind.OPENING_BALANCE: EntryCause.KEYED_OPENING,
    EntryKind.TOP_UP: EntryCause.KEYED_TOP_UP,
    EntryKind.CHARGE: EntryCause.KEYED_CHARGE,
    EntryKind.CREDIT: EntryCause.KEYED_CREDIT,
    EntryKind.REFUND: EntryCause.KEYED_REFUND,
    EntryKind.TRANSFER_IN: EntryCause.KEYED_TRANSFER_IN,
    EntryKind.TRANSFER_OUT: EntryCause.KEYED_TRANSFER_OUT,
}


def period_of(day: date) -> int:
    """The ledger period (a month) of a day, as yyyymm.

    >>> period_of(date(2011, 3, 10))
    201103
    """
    return day.year * 100 + day.month


def next_period(period: int) -> int:
    """The period after ``period``.

    >>> next_period(201112)
    201201
    """
    return period + 89 if period % 100 == 12 else period + 1


def periods_between(first: date, last: date) -> list[int]:
    """The periods from ``first``'s month to ``last``'s, both included.

    >>> periods_between(date(2011, 11, 30), date(2012, 2, 1))
    [201111, 201112, 201201, 201202]
    """
    periods, period, end = [], period_of(first), period_of(last)
    while period <= end:
        periods.append(period)
        period = next_period(period)
    return periods


def period_start(period: int) -> date:
    """The first day of a ledger period.

    >>> period_start(201103)
    datetime.date(2011, 3, 1)
    """
    return date(period // 100, period % 100, 1)


def period_end(period: int) -> date:
    """The last day of a ledger period.

    >>> period_end(201102)
    datetime.date(2011, 2, 28)
    """
    return period_start(next_period(period)) - timedelta(days=1)


def period_label(period: int) -> str:
    """A ledger period as people write it.

    >>> period_label(201101)
    '2011-01'
    """
    return f"{period_start(period):%Y-%m}"


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
