"""Batch step of the statistics: the month-end snapshot, recorded by the daily cycle."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from sunset.stats import repository


def record_month_end(session: Session, *, area_code: str, day: date) -> int:
    """Record a local network's snapshot and flows of ``day``'s month (replacing earlier ones).

    Set-based (two INSERT ... SELECT ... GROUP BY) and idempotent: the month's rows are deleted
    first, so a rerun, or a rerun after a crash, gives the rows of one clean run. Runs inside the
    cycle's transaction, committed with its checkpoint. Returns the snapshot rows written.
    """
    month = f"{day:%Y-%m}"
    written = repository.record_snapshot(session, area_code=area_code, month=month, day=day)
    repository.record_flows(
        session, area_code=area_code, month=month, first=day.replace(day=1), last=day
    )
    return written
