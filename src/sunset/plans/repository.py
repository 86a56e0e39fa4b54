"""Every select and write of retirement plans."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sunset.plans.models import RetirementPlan


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
