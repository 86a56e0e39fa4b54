"""Every select, insert and delete of accounts, tokens, failed sign-ins and the audit log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .models import Approval, AuditEntry, AuthToken, LoginFailure, User


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
    session: Session,
    *,
    operator_code: str | None,
    limit: int,
    offset: int,
    since: date | None = None,
    user_name: str | None = None,
) -> list[AuditEntry]:
    """Return audit entries, newest first, of one operator's staff (or all), from a business
    day on, of one person."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if operator_code is not None:
        query = query.where(AuditEntry.operator_code == operator_code)
    if since is not None:
        query = query.where(AuditEntry.business_day >= since)
    if user_name is not None:
        query = query.where(AuditEntry.user_name == user_name)
    return list(session.scalars(query))


def audit_of(session: Session, *, action: str, target: str) -> list[AuditEntry]:
    """Return the entries of one action on one target, oldest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.target == target, AuditEntry.action == action)
        .order_by(AuditEntry.id)
    )
    return list(session.scalars(query))


def money_moved(session: Session, *, user_name: str, day: date) -> int:
    """Return the sum of the money one person's audited writes moved on a business day."""
    total = session.scalar(
        select(func.coalesce(func.sum(AuditEntry.amount_fen), 0)).where(
            AuditEntry.user_name == user_name, AuditEntry.business_day == day
        )
    )
    return int(total or 0)


def audit_by_key(session: Session, *, action: str, request_key: str) -> AuditEntry | None:
    """Return the audited write of ``action`` made under a client's (scoped) key, if any."""
    return session.scalar(
        select(AuditEntry)
        .where(AuditEntry.request_key == request_key, AuditEntry.action == action)
        .order_by(AuditEntry.id)
        .limit(1)
    )


def add_approval(session: Session, approval: Approval) -> None:
    """Store an operation held for approval and give it an id."""
    session.add(approval)
    session.flush()


def approval_by_key(session: Session, request_key: str) -> Approval | None:
    """Return the approval held under a client's (scoped) key, if any."""
    return session.scalar(select(Approval).where(Approval.request_key == request_key))


def get_approval(session: Session, approval_id: int, *, lock: bool = False) -> Approval | None:
    """Return one approval (locked against a second decision when asked)."""
    query = select(Approval).where(Approval.id == approval_id)
    return session.scalar(query.with_for_update() if lock else query)


def list_approvals(
    session: Session, *, state: str | None, operator_code: str | None, limit: int
) -> list[Approval]:
    """Return approvals, oldest first, in one state (all when None) and of one operator's data
    (all when None)."""
    query = select(Approval).order_by(Approval.id).limit(limit)
    if state is not None:
        query = query.where(Approval.state == state)
    if operator_code is not None:
        query = query.where(Approval.operator_code == operator_code)
    return list(session.scalars(query))
