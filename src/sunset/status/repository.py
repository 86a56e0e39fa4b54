"""Aggregate queries behind the status report (index-only scans of the summary indexes)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sunset.ledger.models import LedgerEntry
from sunset.lines.models import Line


def line_groups(session: Session) -> list[tuple[str, str, str, str, int, int]]:
    """Return (area_code, network, operator, status, lines, balance_fen) per group."""
    query = select(
        Line.area_code,
        Line.network_code,
        Line.operator_code,
        Line.status,
        func.count(),
        func.coalesce(func.sum(Line.balance_fen), 0),
    ).group_by(Line.area_code, Line.network_code, Line.operator_code, Line.status)
    return [(a, n, o, s, int(c), int(b)) for a, n, o, s, c, b in session.execute(query)]


def ledger_totals(session: Session) -> dict[str, int]:
    """Return the signed sum of ledger entries per kind."""
    query = select(LedgerEntry.kind, func.sum(LedgerEntry.amount_fen)).group_by(
        LedgerEntry.area_code, LedgerEntry.kind
    )
    totals: dict[str, int] = {}
    for kind, amount in session.execute(query):
        totals[kind] = totals.get(kind, 0) + int(amount)
    return totals
