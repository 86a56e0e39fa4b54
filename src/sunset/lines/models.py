"""Customers, lines and numbers out of service. Tables that grow with lines lead with area_code.

These tables carry no foreign keys: per-row foreign-key checks made a PostgreSQL COPY of lines
four times slower (300,000 lines: 1.7 s without, 7.1 s with the customer and reference keys).
References are validated at the front door (imports, services) and proven by `sunset verify`
(LINE_WITHOUT_CUSTOMER, UNKNOWN_REFERENCE), set-based, like every other invariant.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base
from sunset.lines.vocabulary import (
    LIVE_STATUSES,
    LineStatus,
    NumberState,
    SuspensionReason,
    Vulnerability,
    sql_in,
    sql_one_of,
)

LIVE_WHERE = f"status IN ({sql_in(LIVE_STATUSES)})"


LINES_BY_AREA = "ix_lines_summary"  # a local network's lines, for a statement over all of them


class Customer(Base):
    """A customer account of one operator in one local network, as the operator's BSS knows it."""

    __tablename__ = "customers"
    # The natural key is the primary key: lines refer to it without a lookup, and on SQLite the
    # table is its own index (one B-tree to write per customer, not two).
    __table_args__ = ({"sqlite_with_rowid": False},)

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    operator_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    real_name: Mapped[bool] = mapped_column(Boolean)
    # The ID number itself is never stored: a salted SHA-256 and a masked form for agents.
    id_hash: Mapped[str | None] = mapped_column(String(64))
    id_masked: Mapped[str | None] = mapped_column(String(32))


class Line(Base):
    """A subscriber line of the old network, with its number and its cached balance."""

    __tablename__ = "lines"
    __table_args__ = (
        CheckConstraint(sql_one_of("status", LineStatus), name="status"),
        CheckConstraint(
            f"suspension_reason IS NULL OR {sql_one_of('suspension_reason', SuspensionReason)}",
            name="suspension_reason",
        ),
        CheckConstraint(
            "(status = 'suspended') = (suspension_reason IS NOT NULL)", name="suspended_has_reason"
        ),
        CheckConstraint(sql_one_of("vulnerable", Vulnerability), name="vulnerable"),
        CheckConstraint("monthly_fee_fen >= 0", name="monthly_fee"),
        CheckConstraint("unpaid_bills >= 0", name="unpaid_bills"),
        # Covers the status report's counts. Not the balance: every month-end moves every balance,
        # and an index on it would be rewritten 20 million times a month. A local network's lines
        # through it come in id order within each network, operator and status: the month-end
        # reads them so (LINES_BY_AREA).
        Index(
            LINES_BY_AREA,
            "area_code",
            "network_code",
            "operator_code",
            "status",
        ),
        # The lines a base station serves: outage credits, a site's impact, the switch-off plan.
        # It also holds what a line's days of service in a month are worked out from, so that
        # crediting a site's outages reads no line itself (20M lines: the lines of the biggest
        # local network's out sites, a year of them, in 3.2 s instead of 7.1 s).
        Index(
            "ix_lines_site_service",
            "area_code",
            "home_site",
            "activated_on",
            "terminated_on",
            "suspension_reason",
            "suspended_on",
            "monthly_fee_fen",
        ),
        # A number is live on at most one line: the database refuses a second one.
        Index(
            "uq_lines_live_number",
            "number",
            unique=True,
            sqlite_where=text(LIVE_WHERE),
            postgresql_where=text(LIVE_WHERE),
        ),
        # The lines that left, by local network and day: each month-end counts the month's
        # departures (without it, SQLite read all 20M lines for them: 33 s of a month-end).
        Index(
            "ix_lines_departed",
            "area_code",
            "terminated_on",
            sqlite_where=text("terminated_on IS NOT NULL"),
            postgresql_where=text("terminated_on IS NOT NULL"),
        ),
        # A retried termination finds the line its key closed (few lines: partial).
        Index(
            "ix_lines_number_closing_key",
            "number",
            "closing_key",
            sqlite_where=text("closing_key IS NOT NULL"),
            postgresql_where=text("closing_key IS NOT NULL"),
        ),
        # PostgreSQL writes a new version of a row on UPDATE. With room on its page, the new
        # balance every month-end writes is a heap-only update that touches no index; on full
        # pages every index of lines gets a new entry (20M lines: 15.3 µs a line instead of 2.9).
        {"postgresql_with": {"fillfactor": 50}},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(5))
    number: Mapped[str] = mapped_column(String(16))  # E.164
    operator_code: Mapped[str] = mapped_column(String(32))
    network_code: Mapped[str] = mapped_column(String(32))
    customer_ref: Mapped[str] = mapped_column(String(64))
    # China registers each number to its user's real identity (实名登记): a fact of the line,
    # which porting and offers test line by line and campaign lists over millions without a join.
    real_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16))
    suspension_reason: Mapped[str | None] = mapped_column(String(16))
    activated_on: Mapped[date] = mapped_column(Date)
    owner_changed_on: Mapped[date | None] = mapped_column(Date)
    last_ported_on: Mapped[date | None] = mapped_column(Date)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    # The idempotency key of the request that terminated the line (not set by a switch-off).
    closing_key: Mapped[str | None] = mapped_column(String(128), default=None)
    # The day a sunset suspension began: monthly charges stop counting days from it.
    suspended_on: Mapped[date | None] = mapped_column(Date, default=None)
    # Step degradation before switch-off: outgoing calls barred except emergency numbers.
    barred_outgoing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # For a vulnerable or critical line: the day a working replacement was confirmed.
    replacement_confirmed_on: Mapped[date | None] = mapped_column(Date, default=None)
    monthly_fee_fen: Mapped[int] = mapped_column(BigInteger)
    prepaid: Mapped[bool] = mapped_column(Boolean)
    unpaid_bills: Mapped[int] = mapped_column(Integer, default=0)
    commitment_until: Mapped[date | None] = mapped_column(Date)
    vulnerable: Mapped[str] = mapped_column(String(20), default=Vulnerability.NONE.value)
    home_site: Mapped[str | None] = mapped_column(String(64))
    # Cached sum of this line's ledger entries; `sunset verify` proves it equal.
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    import_batch_id: Mapped[int | None] = mapped_column(Integer)


class NumberHold(Base):
    """A number on no live line: in quarantine until a date, then free to be given out again."""

    __tablename__ = "number_holds"
    __table_args__ = (
        CheckConstraint(sql_one_of("state", NumberState), name="state"),
        # The cycle's daily questions: when the next quarantine ends, which have ended.
        Index("ix_number_holds_area_code_state_until", "area_code", "state", "until"),
    )

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    number: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    from_line_id: Mapped[int | None] = mapped_column(BigInteger)


class Exemption(Base):
    """A line kept out of the switch-off until a date, with who granted it and why."""

    __tablename__ = "exemptions"
    __table_args__ = (Index("ix_exemptions_area_code_line_id", "area_code", "line_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(5))
    line_id: Mapped[int] = mapped_column(BigInteger)
    granted_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500))
    granted_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
