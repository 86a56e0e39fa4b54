"""Dated entries of the number database. The table grows with numbers, so it leads with area_code.

Moments (``valid_from``, ``forward_until``) are naive timestamps in China Standard Time (UTC+8,
Beijing time), the time in which ports are scheduled (the next full hour between 09:00 and 20:00).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base
from sunset.lines.vocabulary import sql_one_of
from sunset.routing.vocabulary import RouteSource


class RoutingEntry(Base):
    """From ``valid_from`` on, ``number`` is served by this operator and network (until a later
    entry of the same number); calls also ring on ``forward_to`` until ``forward_until``."""

    __tablename__ = "routing_entries"
    __table_args__ = (
        CheckConstraint(sql_one_of("source", RouteSource), name="source"),
        CheckConstraint(
            "forward_until IS NULL OR (forward_to IS NOT NULL AND forward_until > valid_from)",
            name="forward_window",
        ),
        # A number's area code is a function of the number, so this is the primary key without
        # area_code; `route` looks a number up by it alone.
        Index("uq_routing_entries_number_valid_from", "number", "valid_from", unique=True),
    )

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    number: Mapped[str] = mapped_column(String(16), primary_key=True)  # E.164
    valid_from: Mapped[datetime] = mapped_column(DateTime, primary_key=True)  # UTC+8, naive
    operator_code: Mapped[str] = mapped_column(String(32))
    network_code: Mapped[str] = mapped_column(String(32))
    routing_number: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    forward_to: Mapped[str | None] = mapped_column(String(16), default=None)  # E.164
    forward_until: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    import_batch_id: Mapped[int | None] = mapped_column(Integer, default=None)
