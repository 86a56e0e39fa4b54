"""The porting queue: open requests, late ones flagged, the donor's actions (validate, reject,
cancel) and a request for a number; a refusal is shown on the page in words."""

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
from sunset.porting.vocabulary import CATALOGUE, DONOR_GROUNDS, OPEN_STATES
from sunset.usecases import porting as porting_desk
from sunset.usecases.porting import PortState

from .forms import PageOffset, choice, clean
from .render import PREFIX, Shown, attempt, render, to_sign_in

router = APIRouter(prefix=PREFIX, include_in_schema=False)


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
    wanted = choice(PortState, state, "state") if state else None
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
            session, who, number=number, now=clock.now(), reject=reason or None, note=clean(note)
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
