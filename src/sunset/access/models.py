"""Accounts, their sessions and tokens, failed sign-ins, and the audit log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base


class User(Base):
    """A person who signs in; staff belong to one operator (or none: regulator, national admin)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    operator_code: Mapped[str | None] = mapped_column(ForeignKey("operators.code"))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AuthToken(Base):
    """A browser session or an API bearer token; only a hash of the secret is stored."""

    __tablename__ = "auth_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    csrf_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    """One write: who did it, when, what, and the state before and after (JSON text)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        # What was done to one thing (a complaint's moves, replayed by their key).
        Index("ix_audit_log_target_action", "target", "action"),
        # The money one person moved on one business day (their daily limit).
        Index("ix_audit_log_user_name_business_day", "user_name", "business_day"),
        # A write replayed by its client's key (a complaint's move, a plan set twice).
        Index("ix_audit_log_request_key", "request_key"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)  # UTC, when it was written
    business_day: Mapped[date] = mapped_column(Date)  # the day the services were told it is
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_name: Mapped[str] = mapped_column(String(64))
    operator_code: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    # The money this write moved by a person's decision (top-up, credit, refund), in fen.
    amount_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # The client's idempotency key, scoped by operator: the same key again replays the write.
    request_key: Mapped[str | None] = mapped_column(String(160), default=None)


class Approval(Base):
    """An operation held because it moves more money than its maker may alone: applied only
    when a second person of a higher role approves it (four eyes), or rejected."""

    __tablename__ = "approvals"
    __table_args__ = (
        UniqueConstraint("request_key"),
        Index("ix_approvals_state_operator_code", "state", "operator_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_code: Mapped[str | None] = mapped_column(String(32))  # whose line or complaint
    area_code: Mapped[str] = mapped_column(String(5))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # top_up, credit, refund
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    request: Mapped[str] = mapped_column(Text)  # the operation's parameters (JSON)
    request_key: Mapped[str | None] = mapped_column(String(160))
    reason: Mapped[str] = mapped_column(String(300))  # why it was held
    maker_name: Mapped[str] = mapped_column(String(64))
    maker_role: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    business_day: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))  # pending, approved, rejected
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    decision_note: Mapped[str | None] = mapped_column(String(500), default=None)
    result: Mapped[str | None] = mapped_column(Text, default=None)  # what applying it did (JSON)


class LoginFailure(Base):
    """A failed sign-in: counted against the user name given and the client's address.

    The name is kept as its sha256 (any text may be typed, and an unknown name counts as a
    known one does, so that refusals tell nothing about which accounts exist).
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_at", "account_hash", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
        Index("ix_login_failures_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    account_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the name given
    address: Mapped[str | None] = mapped_column(String(45))  # None: no client address known
