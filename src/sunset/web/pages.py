"""The dashboard's pages: sign-in, language, and the agent's line desk."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission, TokenKind
from sunset.config import get_settings
from sunset.errors import DomainError, LoginThrottledError, NotAuthenticatedError
from sunset.http import errors as api_errors
from sunset.http.deps import (
    CSRF_FIELD,
    DB,
    SESSION_COOKIE,
    ActorDep,
    ClockDep,
    actor,
    forget_token,
)
from sunset.kit.money import parse_yuan
from sunset.usecases import accounts, operations
from sunset.usecases import accounts as access
from sunset.usecases import lines as desk
from sunset.usecases.operations import MigrationRequest

from . import (
    pages_approvals,
    pages_complaints,
    pages_porting,
    pages_public,
    pages_sites,
)
from .i18n import LANG_COOKIE, LANGUAGES
from .render import HERE, PREFIX, attempt, check_visitor_csrf, render, to_sign_in

router = APIRouter(prefix=PREFIX, include_in_schema=False)
CsrfForm = Annotated[str, Form(alias=CSRF_FIELD)]


def _safe_next(target: str | None) -> str:
    """Only ever redirect within the dashboard (never to another site)."""
    return target if target and target.startswith(PREFIX + "/") else PREFIX + "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, who: ActorDep, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, who, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DB,
    who: ActorDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: CsrfForm,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """Check the password and open a browser session (refused a while after many failures)."""
    check_visitor_csrf(request, csrf)
    context: dict[str, object] = {"next": _safe_next(next), "error": None}
    try:
        issued = access.sign_in(
            session,
            name=username,
            password=password,
            kind=TokenKind.SESSION,
            now=datetime.now(),
            address=request.client.host if request.client else None,
        )
    except LoginThrottledError as exc:
        page = render(
            request, who, "login.html", {**context, "retry_after": exc.retry_after}, status=429
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except NotAuthenticatedError:
        # Answered, not raised: the failure just counted is committed with the request.
        context["error"] = "The user name or the password is wrong"
        return render(request, who, "login.html", context, status=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
        max_age=get_settings().session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, session: DB, who: ActorDep) -> Response:
    """End the browser session (the CSRF token was checked with the session)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        access.sign_out(session, secret=secret)
        forget_token(secret)
    response = RedirectResponse(PREFIX + "/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str | None = None) -> Response:
    """Switch between Chinese and English."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, samesite="lax", max_age=365 * 86400)
    return response


@router.get("/lines", response_class=HTMLResponse)
def line_search(
    request: Request,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    number: str | None = None,
    offset: int = 0,
) -> Response:
    """Look up a line by number, or list the lines whose number starts so."""
    if not who.signed_in:
        return to_sign_in(request)
    if number:
        try:
            found = desk.get_line(session, who, number=number, today=clock.today())
            return RedirectResponse(f"{PREFIX}/lines/{found.number}", status_code=303)
        except DomainError:
            pass
    page = desk.search(session, who, number_prefix=number or None, offset=max(offset, 0))
    return render(request, who, "lines.html", {"page": page, "number": number or ""})


@router.get("/lines/{number}", response_class=HTMLResponse)
def line_page(
    request: Request, number: str, session: DB, who: ActorDep, clock: ClockDep
) -> Response:
    """The agent's page of one line: phase, money, notices, offers, porting, actions."""
    if not who.signed_in:
        return to_sign_in(request)
    return _line_page(request, session, who, clock, number, outcome=None, refusal=None)


def _line_page(
    request: Request,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    number: str,
    *,
    outcome: str | None,
    refusal: DomainError | None,
    status: int = 200,
) -> Response:
    file = desk.line_file(session, who, number=number, today=clock.today())
    context = {
        "file": file,
        "outcome": outcome,
        "refusal": refusal,
        "may_operate": who.may(Permission.OPERATE_LINES),
        "form_key": uuid.uuid4().hex,
        "today": clock.today(),
    }
    return render(request, who, "line.html", context, status=status)


def _part(
    request: Request,
    who: ActorDep,
    number: str,
    part: str,
    heading: str,
    context: dict[str, object],
) -> Response:
    """Render a section of the line page: alone for htmx, else inside a page of its own."""
    context = {"number": number, "part": part, "heading": heading, **context}
    name = part if request.headers.get("HX-Request") else "line_part.html"
    return render(request, who, name, context)


@router.get("/lines/{number}/offers", response_class=HTMLResponse)
def line_offers(
    request: Request,
    number: str,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    key: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The offers section of the line page: each offer, why not, and the migrate form."""
    if not who.signed_in:
        return to_sign_in(request)
    offers = desk.offers_for(session, who, number=number, today=clock.today())
    context = {
        "offers": offers,
        "may_operate": who.may(Permission.OPERATE_LINES),
        "form_key": key or uuid.uuid4().hex,
    }
    return _part(request, who, number, "_offers.html", "Offers", context)


@router.get("/lines/{number}/porting", response_class=HTMLResponse)
def line_porting(
    request: Request, number: str, session: DB, who: ActorDep, clock: ClockDep
) -> Response:
    """The porting section of the line page: may it port to each other operator, and why not."""
    if not who.signed_in:
        return to_sign_in(request)
    porting = desk.port_checks(session, who, number=number, now=clock.now())
    return _part(request, who, number, "_porting.html", "Porting", {"porting": porting})


@router.post("/lines/{number}/top-up", response_class=HTMLResponse)
def top_up(
    request: Request,
    number: str,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    amount: Annotated[str, Form()],
    key: Annotated[str, Form()],
) -> Response:
    """Top up from the line page; a refusal is shown on the page in words."""
    done, shown = attempt(
        session,
        lambda: operations.top_up(
            session,
            who,
            number=number,
            amount_fen=parse_yuan(amount, field="amount"),
            key=key,
            today=clock.today(),
            now=clock.now(),
        ),
    )
    outcome = done.message if done is not None else None
    return _line_page(
        request,
        session,
        who,
        clock,
        number,
        outcome=outcome,
        refusal=shown.refusal,
        status=shown.status,
    )


@router.post("/lines/{number}/migrate", response_class=HTMLResponse)
def migrate(
    request: Request,
    number: str,
    session: DB,
    who: ActorDep,
    clock: ClockDep,
    offer_id: Annotated[str, Form()],
    key: Annotated[str, Form()],
    plan_yuan: Annotated[str | None, Form()] = None,
    new_number: Annotated[str | None, Form()] = None,
) -> Response:
    """Migrate from the line page under an offer; the new line's page follows."""
    migration = MigrationRequest(
        number=number,
        offer_id=offer_id,
        key=key,
        plan_yuan=plan_yuan or None,
        new_number=new_number or None,
    )
    done, shown = attempt(
        session,
        lambda: operations.migrate(
            session, who, request=migration, today=clock.today(), now=clock.now()
        ),
    )
    if done is None:
        return _line_page(
            request,
            session,
            who,
            clock,
            number,
            outcome=None,
            refusal=shown.refusal,
            status=shown.status,
        )
    return render(request, who, "migrated.html", {"done": done})


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: DB, who: ActorDep, offset: int = 0) -> Response:
    """The audit log, for admins."""
    if not who.signed_in:
        return to_sign_in(request)
    entries = accounts.list_audit(session, who, limit=100, offset=max(offset, 0))
    return render(request, who, "audit.html", {"entries": entries, "offset": offset})


async def page_error(request: Request, exc: DomainError) -> Response:
    """Explain a refusal on a page in words (the API answers its own in JSON)."""
    status = api_errors.status_of(exc)
    if status == 401:
        return to_sign_in(request)
    try:
        who = await actor(request)
    except DomainError:
        who = Actor.anonymous()
    return render(request, who, "message.html", {"error": exc, "status": status}, status=status)


# The dashboard's routers, one module per area (this one: sign-in and the line desk).
PAGE_ROUTERS = (
    router,
    pages_public.router,
    pages_porting.router,
    pages_complaints.router,
    pages_sites.router,
    pages_approvals.router,
)


def install(app: FastAPI) -> None:
    """Add the pages and their static files to the app (their error pages: `page_error`)."""
    for page_router in PAGE_ROUTERS:
        app.include_router(page_router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse(PREFIX + "/", status_code=307)
