"""A migration: an old line moved to a new one under an offer, with what the customer got."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base


class Migration(Base):
    """One line's move to the new network: which offer, which plan, what money moved."""

    __tablename__ = "migrations"
    __table_args__ = (
        UniqueConstraint("area_code", "idempotency_key"),
        UniqueConstraint("area_code", "old_line_id"),
        Index("ix_migrations_area_code_tariff_kept_until", "area_code", "tariff_kept_until"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(5))
    old_line_id: Mapped[int] = mapped_column(BigInteger)
    new_line_id: Mapped[int] = mapped_column(BigInteger)
    offer_id: Mapped[str] = mapped_column(String(64))
    migrated_on: Mapped[date] = mapped_column(Date)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    plan_fee_fen: Mapped[int] = mapped_column(BigInteger)
    # The old tariff is charged until this day; the month-end then switches to the plan fee.
    tariff_kept_until: Mapped[date | None] = mapped_column(Date)
    commitment_until: Mapped[date | None] = mapped_column(Date)
    handset_subsidy_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    free_credit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    balance_moved_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    gift: Mapped[str | None] = mapped_column(String(200))
    forward_until: Mapped[date | None] = mapped_column(Date)
