"""The dashboard's public side and its figures: overview, region pages, the monthly report,
the public notices with their comment form, and the moderators' queue.

The overview shows everyone the regions' phases, deadlines and notices; a signed-in member of
staff (READ_STATS) also sees remaining lines, the trend and the chart, of their own operator.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sunset.access.rules import Actor
from sunset.http.deps import CSRF_FIELD, DB, ActorDep, ClockDep
from sunset.usecases import board, dashboard
from sunset.usecases import stats as desk_stats
from sunset.usecases.board import ModerationAnswer

from .render import PREFIX, check_visitor_csrf, render, to_sign_in
from .sparkline import sparkline

router = APIRouter(prefix=PREFIX, include_in_schema=False)
CsrfForm = Annotated[str, Form(alias=CSRF_FIELD)]


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request, session: DB, who: ActorDep, clock: ClockDep, network: str | None = None
) -> Response:
    """Every region: phase today, deadline status and, for staff, remaining lines and trend."""
    found = dashboard.overview(session, who, today=clock.today(), network=network)
    notices = board.list_notices(session, who, limit=500)
    latest = sorted(notices, key=lambda n: (n.published_on, n.id), reverse=True)[:10]
    leavers = None
    if found.with_figures:  # where the lines that left the network went
        leavers = desk_stats.destinations(session, who, network=found.network)
    context = {"view": found, "notices": latest, "leavers": leavers, "sparkline": sparkline}
    return render(request, who, "home.html", context)


@router.get("/regions/{area_code}", response_class=HTMLResponse)
def region(
    request: Request,
    area_code: str,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    network: str | None = None,
) -> Response:
    """One region: plan timeline, notices, base stations by status, remaining lines, forecast."""
    page = dashboard.region(session, who, area_code=area_code, today=clock.today(), network=network)
    return render(request, who, "region.html", {"page": page})


@router.get("/report", response_class=HTMLResponse)
def report(
    request: Request,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    month: str | None = None,
    network: str | None = None,
) -> Response:
    """The regulator's monthly report (staff see their own operator's figures)."""
    if not who.signed_in:
        return to_sign_in(request)
    month = month or desk_stats.last_month(session, who) or f"{clock.today():%Y-%m}"
    found = desk_stats.report(session, who, month=month, network=network)
    return render(request, who, "report.html", {"report": found})


@router.get("/notices", response_class=HTMLResponse)
def notices(request: Request, session: DB, who: ActorDep, area_code: str | None = None) -> Response:
    """The public notices, newest first (of one region)."""
    found = board.list_notices(session, who, area_code=area_code or None, limit=500)
    found.sort(key=lambda n: (n.effective_on, n.id), reverse=True)
    return render(request, who, "notices.html", {"notices": found, "area_code": area_code})


def _notice_page(
    request: Request,
    session: DB,
    who: Actor,
    notice_id: int,
    *,
    answer: ModerationAnswer | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    notice = board.show_notice(session, who, notice_id=notice_id)
    context = {"notice": notice, "answer": answer, "typed": typed or {}}
    return render(request, who, "notice.html", context)


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice(request: Request, notice_id: int, session: DB, who: ActorDep) -> Response:
    """One notice: its text, related notices, published comments and the comment form."""
    return _notice_page(request, session, who, notice_id)


@router.post("/notices/{notice_id}/comments", response_class=HTMLResponse)
def comment(
    request: Request,
    notice_id: int,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    csrf: CsrfForm,
    text: Annotated[str, Form()],
    author: Annotated[str, Form()] = "",
) -> Response:
    """Post a comment; the page says whether it is published, held, or refused and why."""
    if not who.signed_in:
        check_visitor_csrf(request, csrf)
    answer = board.post_comment(
        session,
        who,
        notice_id=notice_id,
        author=author,
        text=text,
        ip=request.client.host if request.client else None,
        now=clock.now(),
    )
    typed = {"author": author, "text": text if answer.outcome == "refused" else ""}
    return _notice_page(request, session, who, notice_id, answer=answer, typed=typed)


@router.get("/moderation", response_class=HTMLResponse)
def moderation(request: Request, session: DB, who: ActorDep) -> Response:
    """The comments held for review, for moderators."""
    if not who.signed_in:
        return to_sign_in(request)
    queue = board.review_queue(session, who)
    return render(request, who, "moderation.html", {"queue": queue})


@router.post("/moderation/{comment_id}")
def decide(
    comment_id: int,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    decision: Annotated[Literal["accept", "reject"], Form()],
) -> Response:
    """Publish or refuse a held comment, then back to the queue."""
    board.decide(session, who, comment_id=comment_id, accept=decision == "accept", now=clock.now())
    return RedirectResponse(f"{PREFIX}/moderation", status_code=303)
