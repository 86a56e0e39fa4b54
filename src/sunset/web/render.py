"""Rendering a page: the template environment, the language, the signed-in user, CSRF tokens."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from sunset.access.rules import Actor
from sunset.errors import DomainError
from sunset.http import errors as api_errors
from sunset.http.deps import CSRF_FIELD, check_csrf

from .i18n import LANG_COOKIE, pick, translator

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
PREFIX = "/app"
VISITOR_CSRF_COOKIE = "sunset_csrf"
T = TypeVar("T")


class Shown:
    """What a page reports after an action: the outcome in words, or the refusal."""

    def __init__(self, outcome: str | None = None, refusal: DomainError | None = None) -> None:
        self.outcome, self.refusal = outcome, refusal

    @property
    def status(self) -> int:
        """Return the page's HTTP status: the refusal's, else 200."""
        return api_errors.status_of(self.refusal) if self.refusal else 200


def attempt(session: Session, action: Callable[[], T]) -> tuple[T | None, Shown]:
    """Run an action in a savepoint; a refusal rolls it back and is returned to be shown."""
    try:
        with session.begin_nested():
            return action(), Shown()
    except DomainError as exc:
        return None, Shown(refusal=exc)


def language(request: Request) -> str:
    """Return the language of this request."""
    return pick(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def csrf_token(request: Request) -> str:
    """Return the CSRF token forms on this page carry: the session's, or a visitor's cookie."""
    session_token = getattr(request.state, "csrf_token", None)
    if session_token:
        return str(session_token)
    visitor = request.cookies.get(VISITOR_CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not visitor:
        visitor = secrets.token_urlsafe(24)
        request.state.new_csrf = visitor
    return visitor


def check_visitor_csrf(request: Request, form_value: object) -> None:
    """Refuse a visitor's form post (no session) whose token is not the one in its cookie."""
    given = form_value if isinstance(form_value, str) else None
    check_csrf(given, request.cookies.get(VISITOR_CSRF_COOKIE))


def render(
    request: Request, actor: Actor, name: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """Render a template with what every page needs."""
    lang = language(request)
    page = {
        "actor": actor,
        "lang": lang,
        "t": translator(lang),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "prefix": PREFIX,
        "path": request.url.path,
        **context,
    }
    response = templates.TemplateResponse(request, name, page, status_code=status)
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(VISITOR_CSRF_COOKIE, new, httponly=True, samesite="lax")
    return response


def to_sign_in(request: Request) -> RedirectResponse:
    """Send a visitor to the sign-in page, coming back here afterwards."""
    return RedirectResponse(f"{PREFIX}/login?next={request.url.path}", status_code=303)
