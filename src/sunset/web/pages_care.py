"""The dashboard's queues: porting, complaints and base stations, with their actions.

Every action is a form post carrying the session's CSRF token; a refusal is shown on the page
in words (the change is rolled back to a savepoint, the page is drawn again with the reason).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.errors import DomainError, InputInvalidError
from sunset.http.clock import Clock
from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.kit.dates import parse_date
from sunset.kit.money import parse_yuan
from sunset.porting.vocabulary import CATALOGUE, DONOR_GROUNDS, OPEN_STATES
from sunset.usecases import care as care_desk
from sunset.usecases import porting as porting_desk
from sunset.usecases import sites as sites_desk
from sunset.usecases.care import ComplaintKind, ComplaintStatus
from sunset.usecases.porting import PortState
from sunset.usecases.sites import SiteStatus

from .render import PREFIX, Shown, attempt, render, to_sign_in

router = APIRouter(prefix=PREFIX, include_in_schema=False)
PageOffset = Annotated[int, Query(ge=0, le=10_000_000)]


def _clean(text: str | None) -> str | None:
    """Drop control characters a form should never carry (PostgreSQL refuses NUL in text)."""
    if text is None:
        return None
    kept = "".join(c for c in text if c >= " " or c in "\t\n\r")
    return kept or None


def _enum(kind: type[Any], value: str | None, field: str, *, required: bool = False) -> Any:
    """Return the choice a form or query named (None when left empty and not required)."""
    if not value and not required:
        return None
    try:
        return kind(value)
    except ValueError:
        raise InputInvalidError(f"{field}: {value!r} is not one of the choices") from None


# --- porting ------------------------------------------------------------------------------


@router.get("/porting", response_class=HTMLResponse)
def porting_page(
    request: Request,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    state: str | None = None,
    offset: PageOffset = 0,
) -> Response:
    """The porting queue: open requests, late ones highlighted, the donor's actions."""
    if not who.signed_in:
        return to_sign_in(request)
    return _porting(request, session, who, clock, Shown(), state=state, offset=offset)


def _porting(
    request: Request,
    session: Session,
    who: Actor,
    clock: Clock,
    shown: Shown,
    *,
    state: str | None = None,
    offset: int = 0,
    code: str | None = None,
) -> Response:
    wanted = _enum(PortState, state, "state") if state else None
    queue = porting_desk.queue(
        session, who, now=clock.now(), state=wanted, limit=50, offset=max(offset, 0)
    )
    context = {
        "queue": queue,
        "state": state or "",
        "states": OPEN_STATES,
        "grounds": [(g, CATALOGUE[g]) for g in DONOR_GROUNDS],
        "may_port": who.may(Permission.PORT),
        "shown": shown,
        "auth_code": code,
    }
    return render(request, who, "porting.html", context, status=shown.status)


@router.post("/porting/request", response_class=HTMLResponse)
def port_request(
    request: Request,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    number: Annotated[str, Form(max_length=32)],
    to: Annotated[str, Form(max_length=65)],
) -> Response:
    """Ask to port a number: the code is shown once, or every reason it may not port."""
    done, shown = attempt(
        session, lambda: porting_desk.request(session, who, number=number, to=to, now=clock.now())
    )
    if done is not None and done.refused is not None:
        reasons = "; ".join(f"{r.code}: {r.message}" for r in done.reasons)
        shown = Shown(refusal=DomainError(reasons, code=done.refused.code))
    elif done is not None:
        shown = Shown(outcome=f"{done.request.number}: {done.message}")
    code = done.auth_code if done is not None else None
    return _porting(request, session, who, clock, shown, code=code)


@router.post("/porting/{number}/validate", response_class=HTMLResponse)
def port_validate(
    request: Request,
    number: str,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    reason: Annotated[str | None, Form(max_length=64)] = None,
    note: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """The donor validates an authorised request, or rejects it on a ground given."""
    done, shown = attempt(
        session,
        lambda: porting_desk.validate(
            session, who, number=number, now=clock.now(), reject=reason or None, note=_clean(note)
        ),
    )
    if done is not None:
        refused = done.refused
        shown = Shown(
            outcome=None if refused else f"{done.request.number}: {done.message}",
            refusal=DomainError(refused.message, code=refused.code) if refused else None,
        )
    return _porting(request, session, who, clock, shown)


@router.post("/porting/{number}/cancel", response_class=HTMLResponse)
def port_cancel(
    request: Request, number: str, session: DB, who: ActorDep, clock: ClockDep
) -> Response:
    """Cancel an open request at the customer's wish."""
    done, shown = attempt(
        session, lambda: porting_desk.cancel(session, who, number=number, now=clock.now())
    )
    if done is not None:
        shown = Shown(outcome=f"{done.request.number}: {done.message}")
    return _porting(request, session, who, clock, shown)


# --- complaints ---------------------------------------------------------------------------


@router.get("/complaints", response_class=HTMLResponse)
def complaints_page(
    request: Request,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    status: str | None = None,
    kind: str | None = None,
    offset: PageOffset = 0,
) -> Response:
    """The complaints queue: deadlines, late ones highlighted, open and move forms."""
    if not who.signed_in:
        return to_sign_in(request)
    filters = {"status": status or "", "kind": kind or "", "offset": max(offset, 0)}
    return _complaints(request, session, who, clock, Shown(), filters)


def _complaints(
    request: Request,
    session: Session,
    who: Actor,
    clock: Clock,
    shown: Shown,
    filters: dict[str, Any] | None = None,
) -> Response:
    chosen = filters or {"status": "", "kind": "", "offset": 0}
    page = care_desk.list_complaints(
        session,
        who,
        today=clock.today(),
        status=_enum(ComplaintStatus, chosen["status"], "status"),
        kind=_enum(ComplaintKind, chosen["kind"], "kind"),
        offset=chosen["offset"],
    )
    context = {
        "page": page,
        "filters": chosen,
        "kinds": [k.value for k in ComplaintKind],
        "statuses": [s.value for s in ComplaintStatus],
        "moves": [s.value for s in ComplaintStatus if s is not ComplaintStatus.OPEN],
        "may_write": who.may(Permission.WRITE_COMPLAINTS),
        "shown": shown,
        "form_key": uuid.uuid4().hex,
        "today": clock.today(),
    }
    return render(request, who, "complaints.html", context, status=shown.status)


@router.post("/complaints", response_class=HTMLResponse)
def complaint_open(
    request: Request,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    number: Annotated[str, Form(max_length=32)],
    kind: Annotated[str, Form(max_length=32)],
    text: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Open a complaint; a charged-without-service one is checked and credited at once."""

    def open_it() -> care_desk.ComplaintView:
        chosen = _enum(ComplaintKind, kind, "kind", required=True)
        return care_desk.open_complaint(
            session,
            who,
            number=number,
            kind=chosen,
            text=_clean(text) or "",
            today=clock.today(),
            now=clock.now(),
        )

    done, shown = attempt(session, open_it)
    if done is not None:
        said = f"{done.id} ({done.number}): {done.status}. {done.resolution or ''}"
        shown = Shown(outcome=said.strip())
    return _complaints(request, session, who, clock, shown)


@router.post("/complaints/{complaint_id}/move", response_class=HTMLResponse)
def complaint_move(
    request: Request,
    complaint_id: Annotated[int, Path(ge=1, le=2**53)],
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    status: Annotated[str, Form(max_length=32)],
    key: Annotated[str, Form(min_length=1, max_length=100)],
    credit: Annotated[str | None, Form(max_length=20)] = None,
    note: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Move a complaint on, with an optional credit (posted once per form)."""

    def move_it() -> care_desk.ComplaintMoved:
        return care_desk.move(
            session,
            who,
            complaint_id=complaint_id,
            status=_enum(ComplaintStatus, status, "status", required=True),
            key=f"web:{key}",
            today=clock.today(),
            now=clock.now(),
            note=_clean(note),
            credit_fen=parse_yuan(credit, field="credit") if credit else 0,
        )

    done, shown = attempt(session, move_it)
    if done is not None:
        shown = Shown(outcome=f"{done.id} ({done.number}): {done.status}, {done.credit}")
    return _complaints(request, session, who, clock, shown)


# --- base stations ------------------------------------------------------------------------


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
            status=_enum(SiteStatus, status, "status", required=True),
            since=parse_date(since, field="since"),
            today=clock.today(),
            now=clock.now(),
        )

    done, shown = attempt(session, record)
    if done is not None:
        said = f"{done.site_id}: {done.status} since {done.since}; outage credits: {done.credits}"
        shown = Shown(outcome=said)
    return _sites(request, session, who, clock, shown, area_code=area_code)
