"""FastAPI dependencies: the database session (the commit owner), the clock, and who is asking."""

from __future__ import annotations

import hmac
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sunset.access.rules import Actor
from sunset.access.vocabulary import TokenKind
from sunset.db import session_scope
from sunset.errors import NotAuthenticatedError, PermissionDeniedError
from sunset.http.clock import Clock
from sunset.usecases import accounts as access

SESSION_COOKIE = "sunset_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# A token once checked is trusted for this long in this process: a request then costs no
# database round trip to say who is asking. Signing out ends it here at once; a token revoked
# elsewhere (another worker, an account disabled) stops working within this time.
TOKEN_CACHE_SECONDS = 30.0
TOKEN_CACHE_SIZE = 10_000
_checked: dict[tuple[str, str], tuple[float, access.Resolved]] = {}


def _resolve_cached(request: Request, secret: str, kind: TokenKind) -> access.Resolved | None:
    key = (kind.value, access.token_digest(secret))
    now = time.monotonic()
    hit = _checked.get(key)
    if hit and now - hit[0] < TOKEN_CACHE_SECONDS and hit[1].expires_at > datetime.now():
        return hit[1]
    with session_scope(engine_of(request)) as session:
        found = access.resolve(session, secret=secret, kind=kind, now=datetime.now())
    if found is not None and len(_checked) < TOKEN_CACHE_SIZE:
        _checked[key] = (now, found)
    elif len(_checked) >= TOKEN_CACHE_SIZE:
        _checked.clear()
    return found


def forget_token(secret: str) -> None:
    """Drop a token from this process's cache (sign-out)."""
    digest = access.token_digest(secret)
    for kind in TokenKind:
        _checked.pop((kind.value, digest), None)


def engine_of(request: Request) -> Engine:
    """Return the app's engine."""
    engine: Engine = request.app.state.engine
    return engine


async def db(request: Request) -> AsyncIterator[Session]:
    """Open the request's session: committed when the handler returns, rolled back on error.

    A request that may write takes SQLite's write lock up front (see ``sunset.db``).
    """
    with session_scope(engine_of(request), write=request.method not in SAFE_METHODS) as session:
        yield session


async def clock(request: Request) -> Clock:
    """Return the app's clock."""
    found: Clock = request.app.state.clock
    return found


# scope="function": commit when the handler returns, before the response is sent. The default
# (request scope) commits after it is sent: a browser following a sign-in redirect, or a client
# reading back what it just wrote, could arrive first and not see it (and a failed commit would
# follow a success already reported).
DB = Annotated[Session, Depends(db, scope="function")]
ClockDep = Annotated[Clock, Depends(clock)]


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _csrf_given(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def actor(request: Request) -> Actor:
    """Return who is asking: a bearer token, else a session cookie, else the anonymous public.

    A write through a session cookie must carry the session's CSRF token (form field or header),
    so that another site cannot make a signed-in browser post for it. A bearer token needs none:
    a browser never sends one by itself. A wrong or expired credential is refused, not ignored.
    """
    cached: Actor | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    found = await _resolve(request)
    request.state.actor = found
    return found


async def _resolve(request: Request) -> Actor:
    bearer = _bearer(request)
    if bearer is not None:
        resolved = _resolve_cached(request, bearer, TokenKind.BEARER)
        if resolved is None:
            raise NotAuthenticatedError("the bearer token is unknown or has expired: sign in again")
        return resolved.actor
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        return Actor.anonymous()
    resolved = _resolve_cached(request, cookie, TokenKind.SESSION)
    if resolved is None:
        return Actor.anonymous()
    request.state.csrf_token = resolved.csrf_token
    if request.method not in SAFE_METHODS:
        check_csrf(await _csrf_given(request), resolved.csrf_token)
    return resolved.actor


def check_csrf(given: str | None, expected: str | None) -> None:
    """Refuse a form post whose CSRF token is missing or not the one expected."""
    if not given or not expected or not hmac.compare_digest(given, expected):
        raise PermissionDeniedError(
            "the form's CSRF token is missing or wrong: reload the page and try again",
            code="CSRF_FAILED",
        )


ActorDep = Annotated[Actor, Depends(actor)]
