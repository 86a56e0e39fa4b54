"""Notices sent to lines."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base
from sunset.lines.vocabulary import sql_one_of
from sunset.notices.vocabulary import Channel


class NoticeSent(Base):
    """One notice of one phase to one line, by one channel, on one day."""

    __tablename__ = "notices_sent"
    __table_args__ = (
        CheckConstraint(sql_one_of("channel", Channel), name="channel"),
        Index("ix_notices_sent_area_code_line_id", "area_code", "line_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(5))
    line_id: Mapped[int] = mapped_column(BigInteger)
    phase: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(16))
    sent_on: Mapped[date] = mapped_column(Date)
