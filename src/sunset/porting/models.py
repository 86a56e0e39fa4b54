"""Port requests and the log of every transition they went through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base
from sunset.lines.vocabulary import sql_one_of
from sunset.porting.vocabulary import PortState


class PortRequest(Base):
    """A customer's request to take a number to another operator, from request to completion."""

    __tablename__ = "port_requests"
    __table_args__ = (
        CheckConstraint(sql_one_of("state", PortState), name="state"),
        Index("ix_port_requests_area_code_number", "area_code", "number"),
        Index("ix_port_requests_state", "state"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(5))
    number: Mapped[str] = mapped_column(String(16))
    line_id: Mapped[int] = mapped_column(BigInteger)
    donor_operator: Mapped[str] = mapped_column(String(32))
    donor_network: Mapped[str] = mapped_column(String(32))
    recipient_operator: Mapped[str] = mapped_column(String(32))
    recipient_network: Mapped[str] = mapped_column(String(32))
    rule_set: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    balance_handling: Mapped[str] = mapped_column(String(16))
    # The 6-digit authorisation code is shown once and kept only as a salted hash.
    auth_code_hash: Mapped[str | None] = mapped_column(String(64))
    auth_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    authorised_at: Mapped[datetime | None] = mapped_column(DateTime)
    validated_at: Mapped[datetime | None] = mapped_column(DateTime)
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason_code: Mapped[str | None] = mapped_column(String(64))
    balance_moved_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class PortEvent(Base):
    """One transition of a port request: from which state to which, when, by whom and why."""

    __tablename__ = "port_events"
    __table_args__ = (Index("ix_port_events_area_code_request_id", "area_code", "request_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(5))
    request_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
