"""Batch step of the statistics: the month-end snapshot, recorded by the daily cycle."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from sunset.stats import flows, repository


def record_month_end(session: Session, *, area_code: str, day: date) -> int:
    """Record a local network's snapshot, departures and flows of ``day``'s month (replacing
    earlier ones).

    Set-based and idempotent: one grouped pass over the network's lines for the snapshot (and
    the month's activations), one over the lines that left in the month (through the partial
    index of departed lines) for the departures by how and destination, then the flows from
    those few rows and the month's refunds. The month's rows are deleted first, so a rerun, or
    a rerun after a crash, gives the rows of one clean run. Runs inside the cycle's
    transaction, committed with its checkpoint. Returns the snapshot rows written.
    """
    month, first = f"{day:%Y-%m}", day.replace(day=1)
    snapshot = repository.record_snapshot(session, area_code=area_code, month=month, day=day)
    flows.record_departures(session, area_code=area_code, month=month, first=first, last=day)
    flows.record_flows(
        session,
        area_code=area_code,
        month=month,
        first=first,
        last=day,
        activated=snapshot.activated,
    )
    return snapshot.rows
