"""Base stations: a region's sites, the switch-off plan, impact, a status change.

Scope: a site belongs to ``BaseStation.operator_code``; staff of another operator are told "not
found" for it, as for a site that does not exist. A site of no operator (a shared mast, or one
imported without an operator) is visible to every staff account. The regulator sees all sites.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.errors import InputInvalidError, NotFoundError
from sunset.kit.money import format_yuan
from sunset.lines.models import Line
from sunset.offers import service as offers
from sunset.sites import repository as sites_repo
from sunset.sites import service as sites
from sunset.sites.models import BaseStation
from sunset.sites.schemas import SiteImpact, SitePlan, StatusRecorded
from sunset.sites.vocabulary import SiteStatus

from .common import audit

__all__ = ["SiteImpact", "SitePlan", "SiteStatus", "StatusRecorded"]

MAX_PAGE = 500
# A status history reaches no further back: a status since before 1990 (before PHS) is a typo,
# and crediting every month since would read decades of months.
EARLIEST = date(1990, 1, 1)


class SiteView(BaseModel):
    """A base station in a list."""

    site_id: str
    area_code: str
    network: str
    operator: str | None
    status: str
    monthly_upkeep_yuan: str
    commissioned_on: date | None


class SitePage(BaseModel):
    """A page of base stations."""

    items: list[SiteView]
    limit: int
    offset: int


def list_sites(
    session: Session,
    actor: Actor,
    *,
    area_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> SitePage:
    """Return the base stations the actor may see (of one region), by id."""
    access.require(actor, Permission.READ_SITES)
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InputInvalidError(f"limit must be 1 to {MAX_PAGE} and offset not negative")
    found = sites_repo.list_sites(
        session, area_code=area_code, operator_code=actor.operator, limit=limit, offset=offset
    )
    return SitePage(items=[_view(s) for s in found], limit=limit, offset=offset)


def plan(session: Session, actor: Actor, *, area_code: str, budget_fen: int | None) -> SitePlan:
    """Rank the actor's serving sites of a region for switch-off, with cost and saving."""
    access.require(actor, Permission.READ_SITES)
    return sites.plan(
        session, area_code=area_code, budget_fen=budget_fen, operator_code=actor.operator
    )


def impact(session: Session, actor: Actor, *, site_id: str, today: date) -> SiteImpact:
    """List the actor's live lines that lose service when the site goes off air."""
    site = _scoped_site(session, actor, site_id, Permission.READ_SITES)

    def eligible(line: Line) -> list[str]:
        return [o.id for o in offers.offers_for_line(session, line=line, today=today) if o.eligible]

    return sites.impact(
        session, site_id=site.site_id, offers_of=eligible, operator_code=actor.operator
    )


def record_status(
    session: Session,
    actor: Actor,
    *,
    site_id: str,
    status: SiteStatus,
    since: date,
    today: date,
    now: datetime,
) -> StatusRecorded:
    """Record a site's status from a day on; months already charged are credited for outages."""
    site = _scoped_site(session, actor, site_id, Permission.WRITE_SITES)
    if since < EARLIEST:
        raise InputInvalidError(f"since: {since} is before {EARLIEST}: record what happened")
    before = {"site_id": site.site_id, "status": site.status}
    done = sites.record_status(
        session, site_id=site.site_id, status=status.value, since=since, today=today
    )
    audit(
        session,
        actor,
        action="site.status",
        target=site.site_id,
        before=before,
        after=done.model_dump(mode="json"),
        now=now,
    )
    return done


def _scoped_site(
    session: Session, actor: Actor, site_id: str, permission: Permission
) -> BaseStation:
    """Return a site the actor may act on; another operator's site is not found."""
    access.require(actor, permission)
    site = sites_repo.get(session, site_id)
    if site is None or (site.operator_code is not None and not actor.sees(site.operator_code)):
        raise NotFoundError(f"no base station {site_id!r}")
    return site


def _view(site: BaseStation) -> SiteView:
    return SiteView(
        site_id=site.site_id,
        area_code=site.area_code,
        network=site.network_code,
        operator=site.operator_code,
        status=site.status,
        monthly_upkeep_yuan=format_yuan(site.monthly_upkeep_fen),
        commissioned_on=site.commissioned_on,
    )
