"""Month-end snapshots of the base and official series (the regulator's published counts).

Snapshots and flows grow with local networks and months, so their keys lead with area_code.
Months are stored as ``YYYY-MM`` text: the same on SQLite and PostgreSQL, and sortable.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Float, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base
from sunset.lines.vocabulary import sql_one_of
from sunset.stats.vocabulary import Departure


class MonthlySnapshot(Base):
    """Lines of one operator and network in one local network with one status at a month-end."""

    __tablename__ = "stats_snapshots"

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    operator_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    network_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)


class MonthlyFlow(Base):
    """Lines that left in one month, by how they left, the lines that joined (activations,
    migrations in) and the refunds of that month.

    ``terminated`` counts closures a customer asked for, ``switched_off`` those of the switch-off
    sweep: the fall in a network's remaining lines from one month-end to the next is
    terminated + switched_off + migrated + ported_out - activated.
    """

    __tablename__ = "stats_flows"

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    operator_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    network_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    terminated: Mapped[int] = mapped_column(Integer, default=0)
    migrated: Mapped[int] = mapped_column(Integer, default=0)
    ported_out: Mapped[int] = mapped_column(Integer, default=0)
    switched_off: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    activated: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    refunds: Mapped[int] = mapped_column(Integer, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class MonthlyDeparture(Base):
    """Lines of one operator and network that left in one month, by how and where they went.

    ``to_operator``/``to_network`` are the new line's (a migration) or the recipient's (a port),
    empty for a termination or a switch-off; ``number_kept`` whether the number went with the
    line (a port always, a migration when its offer keeps the number).
    """

    __tablename__ = "stats_departures"
    __table_args__ = (CheckConstraint(sql_one_of("how", Departure), name="how"),)

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    operator_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    network_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    how: Mapped[str] = mapped_column(String(16), primary_key=True)
    to_operator: Mapped[str] = mapped_column(String(32), primary_key=True)
    to_network: Mapped[str] = mapped_column(String(32), primary_key=True)
    number_kept: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)


class OfficialPoint(Base):
    """One month of a published series, in units of 10,000 (万), as the ministry reports it.

    ``series`` names what is counted and where: ``phs:national`` (PHS subscribers, China),
    ``fixed:national`` (all fixed-line users, for the PHS share), ``fixed:0551`` and so on.
    """

    __tablename__ = "official_series"
    __table_args__ = (CheckConstraint("(quoted = 'Q' OR quoted = 'D')", name="quoted"),)

    series: Mapped[str] = mapped_column(String(40), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    value_10k: Mapped[float] = mapped_column(Float)
    quoted: Mapped[str] = mapped_column(String(1))
    source: Mapped[str] = mapped_column(String(200))
