"""The four-eyes page: money held above its maker's limit, approved or rejected by a second
person of a higher role (the same use cases as `sunset approvals` and ``/admin/approvals``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from sunset.access.rules import Actor
from sunset.http.clock import Clock
from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.usecases import approvals

from .render import PREFIX, Shown, attempt, render, to_sign_in

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, session: DB, who: ActorDep, clock: ClockDep) -> Response:
    """The approvals waiting for a second person."""
    if not who.signed_in:
        return to_sign_in(request)
    return _page(request, session, who, clock, Shown())


def _page(request: Request, session: Session, who: Actor, clock: Clock, shown: Shown) -> Response:
    waiting = approvals.list_approvals(session, who)
    context = {"waiting": waiting, "shown": shown}
    return render(request, who, "approvals.html", context, status=shown.status)


@router.post("/approvals/{approval_id}", response_class=HTMLResponse)
def decide(
    request: Request,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    approval_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    note: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Approve (apply as asked) or reject (saying why) one held operation."""
    if decision == "approve":
        done, shown = attempt(
            session,
            lambda: approvals.approve(
                session, who, approval_id=approval_id, now=clock.now(), note=note
            ),
        )
    else:
        done, shown = attempt(
            session,
            lambda: approvals.reject(
                session, who, approval_id=approval_id, now=clock.now(), note=note or ""
            ),
        )
    if done is not None:
        shown = Shown(outcome=f"#{done.id} {done.action} {done.target}: {done.state}")
    return _page(request, session, who, clock, shown)
