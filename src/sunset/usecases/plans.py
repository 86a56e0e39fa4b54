"""Retirement plans at the programme office: every member of staff reads them, planners set them.

A plan belongs to a (local network, network), not to an operator: the regulator's order covers
the band whoever runs it, so staff of every operator read the same plans.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.plans import service as plans
from sunset.plans.schemas import PlanView
from sunset.plans.service import KEEP, Keep

from .common import audit

__all__ = ["KEEP", "Keep", "PlanView"]


def list_plans(
    session: Session, actor: Actor, *, today: date, network: str | None = None
) -> list[PlanView]:
    """Return every plan (of one network) and the phase each is in today."""
    access.require(actor, Permission.READ_PLANS)
    return plans.list_plans(session, today=today, network_code=network)


def show_plan(
    session: Session, actor: Actor, *, area_code: str, network: str, today: date
) -> PlanView:
    """Return one plan and the phase it is in today (a region without a plan: no dates)."""
    access.require(actor, Permission.READ_PLANS)
    return plans.show_plan(session, area_code=area_code, network_code=network, today=today)


def _dates(view: PlanView) -> dict[str, Any]:
    found: dict[str, Any] = {p.phase: p.starts_on for p in view.phases}
    found["degrade_on"] = view.degrade_on
    return found


def set_plan(
    session: Session,
    actor: Actor,
    *,
    area_code: str,
    network: str,
    changes: dict[str, date | None],
    degrade_on: date | Keep | None = KEEP,
    today: date,
    now: datetime,
) -> PlanView:
    """Set some dates of a plan (None removes a phase); refused, every reason named, if invalid."""
    access.require(actor, Permission.WRITE_PLANS)
    before = plans.show_plan(session, area_code=area_code, network_code=network, today=today)
    done = plans.set_plan(
        session,
        area_code=area_code,
        network_code=network,
        changes=changes,
        today=today,
        now=now,
        actor=actor.name,
        degrade_on=degrade_on,
    )
    audit(
        session,
        actor,
        action="plan.set",
        target=f"{area_code}/{network}",
        before=_dates(before),
        after=_dates(done),
        now=now,
    )
    return done
