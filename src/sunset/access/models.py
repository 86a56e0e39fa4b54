"""Accounts, their sessions and tokens, failed sign-ins, and the audit log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
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
