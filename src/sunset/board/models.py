"""Public notices and the comments posted under them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
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

from sunset.board.vocabulary import Outcome
from sunset.db import Base
from sunset.lines.vocabulary import sql_one_of


class PublicNotice(Base):
    """A notice published for a region on a day, in Chinese and English."""

    __tablename__ = "public_notices"
    __table_args__ = (UniqueConstraint("area_code", "network_code", "phase", "effective_on"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(5))
    network_code: Mapped[str] = mapped_column(String(32))
    phase: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date] = mapped_column(Date)
    published_on: Mapped[date] = mapped_column(Date)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)


class Comment(Base):
    """A comment posted under a notice, with the moderation's outcome and the rule that fired."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(sql_one_of("outcome", Outcome), name="outcome"),
        Index("ix_comments_notice_id_outcome", "notice_id", "outcome"),
        Index("ix_comments_author_posted_at", "author", "posted_at"),
        Index("ix_comments_ip_posted_at", "ip", "posted_at"),
        Index("ix_comments_fingerprint", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("public_notices.id"))
    author: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str | None] = mapped_column(String(45))
    text: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(500))
    posted_at: Mapped[datetime] = mapped_column(DateTime)
