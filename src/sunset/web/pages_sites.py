"""Base stations: a region's sites and their switch-off order, the lines a site serves, and an
engineer's record of a status; a refusal is shown on the page in words."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.errors import DomainError
from sunset.http.clock import Clock
from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.kit.dates import parse_date
from sunset.kit.money import parse_yuan
from sunset.usecases import sites as sites_desk
from sunset.usecases.sites import SiteStatus

from .forms import choice
from .render import PREFIX, Shown, attempt, render, to_sign_in

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/sites", response_class=HTMLResponse)
def sites_page(
    request: Request,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    area_code: str | None = None,
    budget: str | None = None,
) -> Response:
    """A region's base stations with their status, and its switch-off plan."""
    if not who.signed_in:
        return to_sign_in(request)
    return _sites(request, session, who, clock, Shown(), area_code=area_code, budget=budget)


def _sites(
    request: Request,
    session: Session,
    who: Actor,
    clock: Clock,
    shown: Shown,
    *,
    area_code: str | None,
    budget: str | None = None,
) -> Response:
    area = "".join(c for c in (area_code or "") if c in "0123456789")[:5] or None
    listed = sites_desk.list_sites(session, who, area_code=area, limit=sites_desk.MAX_PAGE)
    plan, plan_refusal = None, None
    if area:
        try:
            budget_fen = parse_yuan(budget, field="budget") if budget else None
            plan = sites_desk.plan(session, who, area_code=area, budget_fen=budget_fen)
        except DomainError as exc:
            plan_refusal = exc
    context = {
        "sites": listed.items,
        "area_code": area or "",
        "budget": budget or "",
        "plan": plan,
        "plan_refusal": plan_refusal,
        "statuses": [s.value for s in SiteStatus],
        "may_write": who.may(Permission.WRITE_SITES),
        "shown": shown,
        "today": clock.today(),
    }
    return render(request, who, "sites.html", context, status=shown.status)


@router.get("/sites/{site_id}/impact", response_class=HTMLResponse)
def site_impact(
    request: Request, site_id: str, session: DB, who: ActorDep, clock: ClockDep
) -> Response:
    """Who loses service when a site goes off air."""
    if not who.signed_in:
        return to_sign_in(request)
    found = sites_desk.impact(session, who, site_id=site_id, today=clock.today())
    return render(request, who, "site_impact.html", {"impact": found})


@router.post("/sites/{site_id}/status", response_class=HTMLResponse)
def site_status(
    request: Request,
    site_id: str,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    status: Annotated[str, Form(max_length=16)],
    since: Annotated[str, Form(max_length=10)],
    area_code: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    """An engineer records a site's status from a day on."""

    def record() -> sites_desk.StatusRecorded:
        return sites_desk.record_status(
            session,
            who,
            site_id=site_id,
            status=choice(SiteStatus, status, "status", required=True),
            since=parse_date(since, field="since"),
            today=clock.today(),
            now=clock.now(),
        )

    done, shown = attempt(session, record)
    if done is not None:
        said = f"{done.site_id}: {done.status} since {done.since}; outage credits: {done.credits}"
        shown = Shown(outcome=said)
    return _sites(request, session, who, clock, shown, area_code=area_code)
