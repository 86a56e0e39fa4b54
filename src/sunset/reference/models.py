"""Operators, networks and local networks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base


class Operator(Base):
    """A telecom operator (telecom, unicom, mobile, ...)."""

    __tablename__ = "operators"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100))


class Network(Base):
    """An access technology with its band; ``number_format`` says how its numbers look."""

    __tablename__ = "networks"
    __table_args__ = (
        CheckConstraint(
            "(number_format = 'fixed' OR number_format = 'mobile')", name="number_format"
        ),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100))
    band: Mapped[str] = mapped_column(String(100))
    number_format: Mapped[str] = mapped_column(String(8))
    # The date by which the regulator wants this network gone, and who set it.
    retirement_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    deadline_authority: Mapped[str | None] = mapped_column(String(200), default=None)


class LocalNetwork(Base):
    """A local network (本地网): one telephone area code."""

    __tablename__ = "local_networks"

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    city_en: Mapped[str] = mapped_column(String(100))
    city_zh: Mapped[str] = mapped_column(String(100))
    province_en: Mapped[str] = mapped_column(String(100))
    province_zh: Mapped[str] = mapped_column(String(100))
    # Chaohu's 0565 became part of Hefei's 0551: numbers of either code belong to this network.
    merged_into: Mapped[str | None] = mapped_column(
        ForeignKey("local_networks.area_code"), default=None
    )


class NetworkOperator(Base):
    """Who runs a network in a local network (PHS: China Telecom in the south, China Unicom in
    the north after 2008): the operator whose planners set its retirement plan."""

    __tablename__ = "network_operators"

    area_code: Mapped[str] = mapped_column(ForeignKey("local_networks.area_code"), primary_key=True)
    network_code: Mapped[str] = mapped_column(ForeignKey("networks.code"), primary_key=True)
    operator_code: Mapped[str] = mapped_column(ForeignKey("operators.code"))
