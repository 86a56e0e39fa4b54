"""Aggregate queries behind the status report: an index-only count and the ledger's totals."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sunset.ledger import repository as ledger
from sunset.lines.models import Line


def line_groups(session: Session) -> list[tuple[str, str, str, str, int]]:
    """Return (area_code, network, operator, status, lines) per group (an index-only scan)."""
    query = select(
        Line.area_code, Line.network_code, Line.operator_code, Line.status, func.count()
    ).group_by(Line.area_code, Line.network_code, Line.operator_code, Line.status)
    return [(a, n, o, s, int(c)) for a, n, o, s, c in session.execute(query)]


def ledger_totals(session: Session) -> dict[str, int]:
    """Return the signed sum of ledger entries per kind (from the running totals)."""
    totals: dict[str, int] = {}
    for (_, kind), amount in ledger.totals(session).items():
        totals[kind] = totals.get(kind, 0) + amount
    return totals
