"""Pure rules of complaints: the deadline by kind, which moves are allowed, what is overdue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sunset.care.vocabulary import PENDING, ComplaintKind, ComplaintStatus

MOVES: dict[str, frozenset[str]] = {
    ComplaintStatus.OPEN.value: frozenset(
        {ComplaintStatus.INVESTIGATING, ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED}
    ),
    ComplaintStatus.INVESTIGATING.value: frozenset(
        {ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED}
    ),
}


def due_on(kind: str, opened_on: date, sla_days: Mapping[str, int]) -> date:
    """The day a complaint must be closed by: opened + the kind's SLA (else the 'other' one).

    >>> due_on("no_signal", date(2011, 7, 30), {"no_signal": 3, "other": 15})
    datetime.date(2011, 8, 2)
    """
    days = sla_days.get(kind, sla_days.get(ComplaintKind.OTHER.value, 15))
    return opened_on + timedelta(days=days)


def move_refusal(current: str, target: str) -> str | None:
    """Explain why a complaint cannot go from ``current`` to ``target`` (None: it may)."""
    if target in MOVES.get(current, frozenset()):
        return None
    if current not in PENDING:
        return f"the complaint is already {current}: it is closed"
    return f"a complaint that is {current} cannot become {target}"


def is_overdue(status: str, due: date, today: date) -> bool:
    """Tell whether a complaint is still pending after its deadline."""
    return status in PENDING and due < today
