"""FastAPI dependencies: the database session (the commit owner), the clock, and who is asking."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import TokenKind
from sunset.db import session_scope
from sunset.errors import NotAuthenticatedError, PermissionDeniedError

from .clock import Clock

SESSION_COOKIE = "sunset_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def engine_of(request: Request) -> Engine:
    """Return the app's engine."""
    engine: Engine = request.app.state.engine
    return engine


def db(request: Request) -> Iterator[Session]:
    """Open the request's session: committed when the handler returns, rolled back on error.

    A request that may write takes SQLite's write lock up front (see ``sunset.db``).
    """
    with session_scope(engine_of(request), write=request.method not in SAFE_METHODS) as session:
        yield session


def clock(request: Request) -> Clock:
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
    now = datetime.now()  # tokens expire in real time, whatever business day the clock shows
    bearer = _bearer(request)
    if bearer is not None:
        with session_scope(engine_of(request)) as session:
            resolved = access.resolve(session, secret=bearer, kind=TokenKind.BEARER, now=now)
        if resolved is None:
            raise NotAuthenticatedError("the bearer token is unknown or has expired: sign in again")
        return resolved.actor
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        return Actor.anonymous()
    with session_scope(engine_of(request)) as session:
        resolved = access.resolve(session, secret=cookie, kind=TokenKind.SESSION, now=now)
    if resolved is None:
        return Actor.anonymous()
    request.state.csrf_token = resolved.csrf_token
    if request.method not in SAFE_METHODS:
        given = await _csrf_given(request)
        if not given or not hmac.compare_digest(given, resolved.csrf_token or ""):
            raise PermissionDeniedError(
                "the form's CSRF token is missing or wrong: reload the page and try again",
                code="CSRF_FAILED",
            )
    return resolved.actor


ActorDep = Annotated[Actor, Depends(actor)]
