"""Complaints of customers about a line."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sunset.care.vocabulary import ComplaintKind, ComplaintStatus
from sunset.db import Base
from sunset.lines.vocabulary import sql_one_of


class Complaint(Base):
    """One complaint on one line, with its deadline and, once closed, its resolution."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(sql_one_of("kind", ComplaintKind), name="kind"),
        CheckConstraint(sql_one_of("status", ComplaintStatus), name="status"),
        CheckConstraint("credit_fen >= 0", name="credit"),
        Index("ix_complaints_area_code_line_id", "area_code", "line_id"),
        Index("ix_complaints_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(5))
    line_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16))
    opened_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    resolution: Mapped[str | None] = mapped_column(String(500), default=None)
    credit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
