"""Base stations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base
from sunset.lines.vocabulary import sql_one_of
from sunset.sites.vocabulary import SiteStatus


class BaseStation(Base):
    """A base station of one network in one local network, with its monthly upkeep."""

    __tablename__ = "base_stations"
    __table_args__ = (
        CheckConstraint(sql_one_of("status", SiteStatus), name="status"),
        CheckConstraint("monthly_upkeep_fen >= 0", name="monthly_upkeep"),
        Index("ix_base_stations_area_code_network_code", "area_code", "network_code"),
    )

    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("local_networks.area_code"))
    network_code: Mapped[str] = mapped_column(ForeignKey("networks.code"))
    operator_code: Mapped[str | None] = mapped_column(ForeignKey("operators.code"))
    status: Mapped[str] = mapped_column(String(16))
    monthly_upkeep_fen: Mapped[int] = mapped_column(BigInteger)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    commissioned_on: Mapped[date | None] = mapped_column(Date)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class SiteStatusChange(Base):
    """A site's status from a day on (until its next change): the history outage credits read."""

    __tablename__ = "site_status_changes"
    __table_args__ = (CheckConstraint(sql_one_of("status", SiteStatus), name="status"),)

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    recorded_on: Mapped[date] = mapped_column(Date)


class SiteOutage(Base):
    """A period without service from a site, [start_on, end_on) (end_on NULL: still out).

    Derived from the status history whenever it changes, so that the month-end joins lines to a
    few outage rows instead of replaying every site's history.
    """

    __tablename__ = "site_outages"

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    start_on: Mapped[date] = mapped_column(Date, primary_key=True)
    end_on: Mapped[date | None] = mapped_column(Date)
