"""Base stations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base
from sunset.lines.vocabulary import sql_in
from sunset.sites.vocabulary import SiteStatus


class BaseStation(Base):
    """A base station of one network in one local network, with its monthly upkeep."""

    __tablename__ = "base_stations"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(SiteStatus)})", name="status"),
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
