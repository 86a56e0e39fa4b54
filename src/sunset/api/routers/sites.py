"""Base stations: a region's sites, the switch-off plan, who loses service, a status change.

A site belongs to its operator (a site of none is every operator's): staff of another operator
get 404 for it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.http.errors import REFUSALS
from sunset.kit.money import parse_yuan
from sunset.usecases import sites as desk
from sunset.usecases.sites import SiteImpact, SitePage, SitePlan, SiteStatus, StatusRecorded

from .fields import AreaQuery, Offset

router = APIRouter(prefix="/sites", tags=["sites"], responses=REFUSALS)
SitePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$", examples=["S0551-0"])]


@router.get("", response_model=SitePage)
def list_sites(
    session: DB,
    actor: ActorDep,
    area_code: AreaQuery = None,
    limit: Annotated[int, Query(ge=1, le=desk.MAX_PAGE)] = 100,
    offset: Offset = 0,
) -> SitePage:
    """Return the base stations (of one region) by id, with their status."""
    return desk.list_sites(session, actor, area_code=area_code, limit=limit, offset=offset)


@router.get("/plan", response_model=SitePlan)
def plan(
    session: DB,
    actor: ActorDep,
    area_code: Annotated[str, Query(pattern=r"^0?\d{2,4}$")],
    budget_yuan: Annotated[str | None, Query(pattern=r"^\d{1,9}(\.\d{1,2})?$")] = None,
) -> SitePlan:
    """Rank the region's serving sites for switch-off: upkeep per line, cost, saving."""
    budget = None if budget_yuan is None else parse_yuan(budget_yuan, field="budget_yuan")
    return desk.plan(session, actor, area_code=area_code, budget_fen=budget)


@router.get("/{site_id}/impact", response_model=SiteImpact)
def impact(site_id: SitePath, session: DB, actor: ActorDep, clock: ClockDep) -> SiteImpact:
    """List the live lines that lose service if the site goes off air, with flags and offers."""
    return desk.impact(session, actor, site_id=site_id, today=clock.today())


class StatusIn(BaseModel):
    """A site's status from a day on."""

    status: SiteStatus
    since: date = Field(ge=desk.EARLIEST, description="The day the status began (not after today)")


@router.post("/{site_id}/status", response_model=StatusRecorded)
def record_status(
    site_id: SitePath, body: StatusIn, session: DB, actor: ActorDep, clock: ClockDep
) -> StatusRecorded:
    """Record the site's status from a day on; months already charged are credited."""
    return desk.record_status(
        session,
        actor,
        site_id=site_id,
        status=body.status,
        since=body.since,
        today=clock.today(),
        now=clock.now(),
    )
