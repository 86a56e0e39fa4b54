"""Every select and write of retirement plans and deadlines."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sunset.ingest.models import ImportBatch
from sunset.lines.models import Line, NumberHold
from sunset.plans.models import CycleProgress, RetirementPlan


def get(session: Session, *, area_code: str, network_code: str) -> RetirementPlan | None:
    """Return the plan of a network in a local network, if one is set."""
    return session.get(RetirementPlan, (area_code, network_code))


def get_for_update(session: Session, *, area_code: str, network_code: str) -> RetirementPlan | None:
    """Return the plan, locked against concurrent changes where the database can lock rows."""
    query = select(RetirementPlan).where(
        RetirementPlan.area_code == area_code, RetirementPlan.network_code == network_code
    )
    return session.scalar(query.with_for_update())


def list_all(session: Session, *, network_code: str | None = None) -> list[RetirementPlan]:
    """Return every plan, by area code."""
    query = select(RetirementPlan).order_by(RetirementPlan.area_code, RetirementPlan.network_code)
    if network_code:
        query = query.where(RetirementPlan.network_code == network_code)
    return list(session.scalars(query))


def add(session: Session, plan: RetirementPlan) -> None:
    """Store a new plan."""
    session.add(plan)


def checkpoint(session: Session, area_code: str, *, lock: bool = False) -> date | None:
    """Return the last day the cycle completed in a local network (locked for the rest of the
    transaction when asked: two runs of the cycle then take a local network's days in turn)."""
    query = select(CycleProgress.done_through).where(CycleProgress.area_code == area_code)
    return session.scalar(query.with_for_update() if lock else query)


def save_checkpoint(session: Session, area_code: str, day: date) -> None:
    """Record that the cycle has completed ``day`` in a local network."""
    progress = session.get(CycleProgress, area_code)
    if progress is None:
        session.add(CycleProgress(area_code=area_code, done_through=day))
    else:
        progress.done_through = day
    session.flush()


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
