"""Use cases of accounts: add a user, sign in (throttled), resolve a token to an actor, audit a
write."""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.errors import (
    InputInvalidError,
    LoginThrottledError,
    NotAuthenticatedError,
    PermissionDeniedError,
)
from sunset.reference import repository as reference

from . import repository, rules
from .models import AuditEntry, AuthToken, LoginFailure, User
from .rules import Actor
from .schemas import AuditView, UserView
from .vocabulary import Permission, Role, TokenKind

_hasher = PasswordHasher()
# Verified when the name is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("sunset-no-such-user")


@dataclass(frozen=True)
class Issued:
    """A new token: the secret (shown once, never stored), its CSRF token and its expiry."""

    secret: str
    csrf_token: str | None
    expires_at: datetime
    actor: Actor


def token_digest(secret: str) -> str:
    """Return what is stored of a token (and what a cache may key it by): its sha256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def add_user(
    session: Session, *, name: str, role: Role, operator: str | None, password: str, now: datetime
) -> UserView:
    """Create an account; its password is kept only as an argon2id hash."""
    problem = rules.account_problem(name, role, operator) or rules.password_problem(password)
    if problem:
        raise InputInvalidError(problem)
    if operator is not None and operator not in reference.operator_codes(session):
        raise InputInvalidError(f"operator {operator!r} is not known")
    if repository.get_user_by_name(session, name) is not None:
        raise InputInvalidError(f"a user called {name!r} already exists")
    user = User(
        name=name,
        role=role.value,
        operator_code=operator,
        password_hash=_hasher.hash(password),
        active=True,
        created_at=now,
    )
    repository.add_user(session, user)
    return _user_view(user)


def list_users(session: Session) -> list[UserView]:
    """Return every account."""
    return [_user_view(u) for u in repository.list_users(session)]


def sign_in(
    session: Session,
    *,
    name: str,
    password: str,
    kind: TokenKind,
    now: datetime,
    address: str | None,
) -> Issued:
    """Check a name and password and issue a session or bearer token; refuse in one message.

    After too many recent failures with this name or from this client ``address`` (None: not
    known, not counted) it is refused (LoginThrottledError) without the password being checked.
    A wrong password is recorded in the caller's transaction before NotAuthenticatedError is
    raised: the caller commits it (answers the refusal instead of rolling back). A success
    forgets the name's failures.
    """
    account = _name_digest(name)
    address = None if address is None else address[:45]
    # Locked so that on PostgreSQL concurrent attempts at one account are counted one by one.
    user = (
        repository.get_user_by_name(session, name, lock=True)
        if rules.is_account_name(name)
        else None
    )
    _refuse_while_throttled(session, account=account, address=address, now=now)
    if not _password_matches(user, password) or user is None or not user.active:
        _count_failure(session, account=account, address=address, now=now)
        raise NotAuthenticatedError("the user name or the password is wrong")
    repository.clear_login_failures(session, account_hash=account)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    settings = get_settings()
    hours = settings.session_hours if kind is TokenKind.SESSION else settings.token_hours
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind is TokenKind.SESSION else None
    token = AuthToken(
        token_hash=token_digest(secret),
        user_id=user.id,
        kind=kind.value,
        csrf_token=csrf,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    repository.delete_expired_tokens(session, now)
    repository.add_token(session, token)
    return Issued(secret=secret, csrf_token=csrf, expires_at=token.expires_at, actor=_actor(user))


def _name_digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()


def _refuse_while_throttled(
    session: Session, *, account: str, address: str | None, now: datetime
) -> None:
    settings = get_settings()
    window = timedelta(seconds=settings.login_window_seconds)
    by_account, by_address = repository.login_failures_since(
        session, account_hash=account, address=address, since=now - window
    )
    waits = {
        "with this user name": rules.login_wait(
            by_account, limit=settings.login_failures_per_account, window=window, now=now
        ),
        "from this address": rules.login_wait(
            by_address, limit=settings.login_failures_per_address, window=window, now=now
        ),
    }
    refused = {why: wait for why, wait in waits.items() if wait is not None}
    if not refused:
        return
    why, wait = max(refused.items(), key=lambda item: item[1])
    seconds = max(1, math.ceil(wait.total_seconds()))
    raise LoginThrottledError(
        f"too many failed sign-ins {why}: try again in {seconds} seconds", retry_after=seconds
    )


def _count_failure(session: Session, *, account: str, address: str | None, now: datetime) -> None:
    window = timedelta(seconds=get_settings().login_window_seconds)
    repository.delete_login_failures_before(session, now - window)
    repository.add_login_failure(
        session, LoginFailure(at=now, account_hash=account, address=address)
    )


def _password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Resolved:
    """The actor behind a token, and the token's CSRF secret (sessions only)."""

    actor: Actor
    csrf_token: str | None
    expires_at: datetime


def resolve(session: Session, *, secret: str, kind: TokenKind, now: datetime) -> Resolved | None:
    """Return who holds a token of ``kind``, or None when it is unknown, expired or disabled."""
    found = repository.token_with_user(session, token_digest(secret))
    if found is None:
        return None
    token, user = found
    if token.kind != kind.value or token.expires_at <= now or not user.active:
        return None
    return Resolved(actor=_actor(user), csrf_token=token.csrf_token, expires_at=token.expires_at)


def resolve_cli_actor(session: Session, *, name: str | None, os_user: str) -> Actor:
    """Return who runs a command: the active account called ``name``, else (no name) the
    operating system's user (``Actor.operating_system``)."""
    if name is None or not name.strip():
        return Actor.operating_system(os_user)
    user = repository.get_user_by_name(session, name.strip())
    if user is None or not user.active:
        raise InputInvalidError(f"no active account is called {name!r}", field="as")
    return _actor(user)


def sign_out(session: Session, *, secret: str) -> None:
    """End a session or revoke a token."""
    repository.delete_token(session, token_digest(secret))


def require(actor: Actor, permission: Permission) -> None:
    """Refuse unless the actor's role grants ``permission`` (anonymous: sign in first)."""
    if actor.may(permission):
        return
    if not actor.signed_in:
        raise NotAuthenticatedError("sign in first: this needs an account")
    raise PermissionDeniedError(
        f"a {actor.role.value} account may not do this ({permission.value} is not granted)"
    )


def audit(
    session: Session,
    *,
    actor: Actor,
    action: str,
    target: str,
    before: Any,
    after: Any,
    now: datetime,
    amount_fen: int | None = None,
    request_key: str | None = None,
) -> None:
    """Append a write to the audit log: who, when (real UTC time and business day), what, before
    and after, the money it moved by the actor's decision and the client's key."""
    repository.add_audit(
        session,
        AuditEntry(
            at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
            business_day=now.date(),
            user_id=actor.user_id,
            user_name=actor.name,
            operator_code=actor.operator,
            action=action,
            target=target[:200],
            before=_json(before),
            after=_json(after),
            amount_fen=amount_fen,
            request_key=request_key,
        ),
    )


def money_moved(session: Session, *, actor: Actor, day: date) -> int:
    """Return the money an actor moved by their own decision on a business day, in fen."""
    return repository.money_moved(session, user_name=actor.name, day=day)


def list_audit(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    offset: int,
    since: date | None = None,
    by: str | None = None,
) -> list[AuditView]:
    """Return the audit log an admin may read: their operator's staff, or everyone's (from a
    business day on, of one person)."""
    require(actor, Permission.READ_AUDIT)
    rows = repository.list_audit(
        session,
        operator_code=actor.operator,
        limit=limit,
        offset=offset,
        since=since,
        user_name=by,
    )
    return [
        AuditView(
            id=r.id,
            at=r.at.replace(tzinfo=UTC),
            business_day=r.business_day,
            user=r.user_name,
            operator=r.operator_code,
            action=r.action,
            target=r.target,
            before=json.loads(r.before) if r.before else None,
            after=json.loads(r.after) if r.after else None,
            amount_fen=r.amount_fen,
        )
        for r in rows
    ]


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.name, role=Role(user.role), operator=user.operator_code)


def _user_view(user: User) -> UserView:
    return UserView(name=user.name, role=user.role, operator=user.operator_code, active=user.active)


def recorded_after(session: Session, *, action: str, target: str) -> list[Any]:
    """Return the "after" state of each audited ``action`` on ``target``, oldest first."""
    rows = repository.audit_of(session, action=action, target=target)
    return [json.loads(r.after) if r.after else None for r in rows]
