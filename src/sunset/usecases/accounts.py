"""Accounts and the audit log: who may sign in, who runs a command, who wrote what.

An account is added by an admin (the command line's own user is one: whoever can run it can
reach the database); the audit log is read by admins and supervisors, staff of an operator
seeing their own operator's entries.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.schemas import AuditView, UserView
from sunset.access.service import Issued, Resolved
from sunset.access.vocabulary import Permission, Role, TokenKind
from sunset.errors import InputInvalidError

from .common import audit

__all__ = ["AuditView", "Issued", "Resolved", "UserView"]

MAX_PAGE = 1_000


def sign_in(
    session: Session,
    *,
    name: str,
    password: str,
    kind: TokenKind,
    now: datetime,
    address: str | None,
) -> Issued:
    """Check a name and password (throttled per name and address) and issue a token. A failure
    is recorded in the caller's transaction: the edge answers the refusal rather than raising it,
    so that the count is committed."""
    return access.sign_in(
        session, name=name, password=password, kind=kind, now=now, address=address
    )


def sign_out(session: Session, *, secret: str) -> None:
    """End a session or revoke a token."""
    access.sign_out(session, secret=secret)


def resolve(session: Session, *, secret: str, kind: TokenKind, now: datetime) -> Resolved | None:
    """Return who holds a token, or None when it is unknown, expired or disabled."""
    return access.resolve(session, secret=secret, kind=kind, now=now)


def token_digest(secret: str) -> str:
    """Return what is stored of a token, and what a cache may key it by."""
    return access.token_digest(secret)


def cli_actor(session: Session, *, name: str | None, os_user: str) -> Actor:
    """Return who runs a command: the active account called ``name`` (``--as``, or
    ``SUNSET_ACTOR``), else the operating system's user, recorded as ``os:<user>``."""
    return access.resolve_cli_actor(session, name=name, os_user=os_user)


def add_user(
    session: Session,
    actor: Actor,
    *,
    name: str,
    role: Role,
    operator: str | None,
    password: str,
    now: datetime,
) -> UserView:
    """Add an account; its password is kept only as an argon2id hash."""
    access.require(actor, Permission.MANAGE_USERS)
    if actor.operator is not None and operator != actor.operator:
        raise InputInvalidError(
            f"an admin of {actor.operator} adds accounts of {actor.operator} only",
            field="operator",
        )
    user = access.add_user(
        session, name=name, role=role, operator=operator, password=password, now=now
    )
    audit(
        session,
        actor,
        action="user.add",
        target=f"user {user.name}",
        before=None,
        after=user.model_dump(mode="json"),
        now=now,
    )
    return user


def list_users(session: Session, actor: Actor) -> list[UserView]:
    """Return every account (an operator's admin: that operator's)."""
    access.require(actor, Permission.MANAGE_USERS)
    users = access.list_users(session)
    return [u for u in users if actor.operator is None or u.operator == actor.operator]


def list_audit(
    session: Session,
    actor: Actor,
    *,
    since: date | None = None,
    by: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditView]:
    """Return the audit log, newest first (from a business day on, of one person)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InputInvalidError(f"between 1 and {MAX_PAGE}", field="limit")
    if offset < 0:
        raise InputInvalidError("cannot be negative", field="offset")
    return access.list_audit(session, actor=actor, since=since, by=by, limit=limit, offset=offset)
