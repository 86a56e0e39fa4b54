"""What the cycle reads to plan its work: which local networks, from which day, until when."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sunset.ingest.models import ImportBatch
from sunset.lines.models import Line, NumberHold


def areas_with_lines(session: Session) -> list[str]:
    """Return the area codes that have lines, in order."""
    return list(session.scalars(select(Line.area_code).distinct().order_by(Line.area_code)))


def areas_largest_first(session: Session) -> list[str]:
    """Return the area codes that have lines, the local networks with most lines first."""
    count = func.count().label("lines")
    rows = session.execute(
        select(Line.area_code, count)
        .group_by(Line.area_code)
        .order_by(count.desc(), Line.area_code)
    )
    return [area for area, _ in rows]


def last_import_day(session: Session) -> date | None:
    """Return the day of the latest import (the cycle starts the day after, by default)."""
    latest = session.scalar(select(func.max(ImportBatch.imported_at)))
    return latest.date() if latest else None


def next_release(session: Session, area_code: str) -> date | None:
    """Return the earliest day a quarantined number of the area is due back in the pool."""
    return session.scalar(
        select(func.min(NumberHold.until)).where(
            NumberHold.area_code == area_code, NumberHold.state == "quarantine"
        )
    )
