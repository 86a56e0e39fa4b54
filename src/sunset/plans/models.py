"""Retirement plans (the regulator's deadline per network is in reference.models.Network)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base


class RetirementPlan(Base):
    """The dated phases of one network in one local network; a phase without a date is skipped."""

    __tablename__ = "retirement_plans"

    area_code: Mapped[str] = mapped_column(ForeignKey("local_networks.area_code"), primary_key=True)
    network_code: Mapped[str] = mapped_column(ForeignKey("networks.code"), primary_key=True)
    announced: Mapped[date | None] = mapped_column(Date)
    no_new_sales: Mapped[date | None] = mapped_column(Date)
    topups_refused: Mapped[date | None] = mapped_column(Date)
    switched_off: Mapped[date | None] = mapped_column(Date)
    cleared: Mapped[date | None] = mapped_column(Date)
    # Optional step before switch-off: bar outgoing calls except emergency numbers from this day.
    degrade_on: Mapped[date | None] = mapped_column(Date, default=None)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
