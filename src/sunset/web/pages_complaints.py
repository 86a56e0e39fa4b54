"""The complaints queue: deadlines, overdue ones first, opening one and moving one on (with a
credit held for approval above the agent's limit); a refusal is shown on the page in words."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.http.clock import Clock
from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.kit.money import parse_yuan
from sunset.usecases import care as care_desk
from sunset.usecases.care import ComplaintKind, ComplaintStatus

from .forms import PageOffset, choice, clean
from .render import PREFIX, Shown, attempt, render, to_sign_in

router = APIRouter(prefix=PREFIX, include_in_schema=False)


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
        status=choice(ComplaintStatus, chosen["status"], "status"),
        kind=choice(ComplaintKind, chosen["kind"], "kind"),
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
        chosen = choice(ComplaintKind, kind, "kind", required=True)
        return care_desk.open_complaint(
            session,
            who,
            number=number,
            kind=chosen,
            text=clean(text) or "",
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
            status=choice(ComplaintStatus, status, "status", required=True),
            key=f"web:{key}",
            today=clock.today(),
            now=clock.now(),
            note=clean(note),
            credit_fen=parse_yuan(credit, field="credit") if credit else 0,
        )

    done, shown = attempt(session, move_it)
    if done is not None:
        shown = Shown(outcome=f"{done.id} ({done.number}): {done.status}, {done.credit}")
    return _complaints(request, session, who, clock, shown)
