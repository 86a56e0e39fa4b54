"""Every select, insert and delete of accounts, tokens, failed sign-ins and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import AuditEntry, AuthToken, LoginFailure, User


def get_user_by_name(session: Session, name: str, *, lock: bool = False) -> User | None:
    """Return the account called ``name`` (``lock``: held until the transaction ends)."""
    query = select(User).where(User.name == name)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def add_user(session: Session, user: User) -> None:
    """Insert an account."""
    session.add(user)
    session.flush()


def list_users(session: Session) -> list[User]:
    """Return every account, by name."""
    return list(session.scalars(select(User).order_by(User.name)))


def add_token(session: Session, token: AuthToken) -> None:
    """Insert a session or bearer token."""
    session.add(token)
    session.flush()


def token_with_user(session: Session, token_hash: str) -> tuple[AuthToken, User] | None:
    """Return a token and its account by the token's hash."""
    row = session.execute(
        select(AuthToken, User)
        .join(User, User.id == AuthToken.user_id)
        .where(AuthToken.token_hash == token_hash)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def delete_token(session: Session, token_hash: str) -> None:
    """Remove a token (sign-out)."""
    session.execute(delete(AuthToken).where(AuthToken.token_hash == token_hash))


def delete_expired_tokens(session: Session, now: datetime) -> int:
    """Remove every token past its expiry; return how many."""
    result = session.execute(delete(AuthToken).where(AuthToken.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def add_login_failure(session: Session, failure: LoginFailure) -> None:
    """Record a failed sign-in."""
    session.add(failure)
    session.flush()


def login_failures_since(
    session: Session, *, account_hash: str, address: str | None, since: datetime
) -> tuple[list[datetime], list[datetime]]:
    """Return the times of failed sign-ins after ``since``: with this name, from this address."""
    recent = LoginFailure.at > since
    by_account = select(LoginFailure.at).where(LoginFailure.account_hash == account_hash, recent)
    by_address = select(LoginFailure.at).where(LoginFailure.address == address, recent)
    return (
        list(session.scalars(by_account)),
        [] if address is None else list(session.scalars(by_address)),
    )


def clear_login_failures(session: Session, *, account_hash: str) -> None:
    """Forget the failed sign-ins with one name (it has just signed in)."""
    session.execute(delete(LoginFailure).where(LoginFailure.account_hash == account_hash))


def delete_login_failures_before(session: Session, before: datetime) -> None:
    """Remove the failed sign-ins that no longer count."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= before))


def add_audit(session: Session, entry: AuditEntry) -> None:
    """Append one entry to the audit log."""
    session.add(entry)
    session.flush()


def list_audit(
    session: Session, *, operator_code: str | None, limit: int, offset: int
) -> list[AuditEntry]:
    """Return audit entries, newest first, of one operator's staff (or all)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if operator_code is not None:
        query = query.where(AuditEntry.operator_code == operator_code)
    return list(session.scalars(query))


def audit_of(session: Session, *, action: str, target: str) -> list[AuditEntry]:
    """Return the entries of one action on one target, oldest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.target == target, AuditEntry.action == action)
        .order_by(AuditEntry.id)
    )
    return list(session.scalars(query))
