"""Ledger entries: immutable (the database refuses UPDATE and DELETE), integer fen, idempotent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base
from sunset.ledger.rules import MONEY_IN, MONEY_OUT
from sunset.lines.vocabulary import sql_one_of


class LedgerEntry(Base):
    """One movement of money on one line.

    Identified by integers, not a key string: (local network, period, cause, line, part)
    (``rules.EntryCause``). The primary key is also the order on disk: on SQLite the table is
    ``WITHOUT ROWID``, so a month's charges of a local network are appended side by side; on
    PostgreSQL it is partitioned by period, a partition a month (``repository.
    prepare_periods``) and a default one, so a closed month can be detached (``archive``).
    A line's entries are read through the index by (local network, line). Keys given by people
    or clients are in ``ledger_keys``.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        PrimaryKeyConstraint("area_code", "period", "cause", "line_id", "part"),
        Index("ix_ledger_entries_area_code_line_id", "area_code", "line_id"),
        CheckConstraint(
            f"({sql_one_of('kind', tuple(MONEY_IN))} AND amount_fen > 0)"
            f" OR ({sql_one_of('kind', tuple(MONEY_OUT))} AND amount_fen < 0)",
            name="kind_sign",
        ),
        {"sqlite_with_rowid": False, "postgresql_partition_by": "RANGE (period)"},
    )

    area_code: Mapped[str] = mapped_column(String(5))
    period: Mapped[int] = mapped_column(Integer)  # yyyymm: the month charged or credited
    cause: Mapped[int] = mapped_column(SmallInteger)  # rules.EntryCause
    line_id: Mapped[int] = mapped_column(BigInteger)  # no foreign key: see lines/models.py
    part: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    entry_date: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


class LedgerKey(Base):
    """The key a person or a client gave an entry (a top-up, an API retry's Idempotency-Key),
    and the entry it posted: the same key again answers that entry instead of posting twice."""

    __tablename__ = "ledger_keys"

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    period: Mapped[int] = mapped_column(Integer)
    cause: Mapped[int] = mapped_column(SmallInteger)
    line_id: Mapped[int] = mapped_column(BigInteger)
    part: Mapped[int] = mapped_column(Integer)


class Refund(Base):
    """Money owed back to a customer (the balance of a line switched off or terminated)."""

    __tablename__ = "refunds"
    __table_args__ = (Index("ix_refunds_area_code_line_id", "area_code", "line_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(5))
    line_id: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_on: Mapped[date] = mapped_column(Date)
    # The ledger entry that took it off the line: (area_code, entry_period, entry_cause,
    # line_id, entry_part).
    entry_period: Mapped[int] = mapped_column(Integer)
    entry_cause: Mapped[int] = mapped_column(SmallInteger)
    entry_part: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date | None] = mapped_column(Date, default=None)


class LedgerTotal(Base):
    """The running sum of entries per local network and kind, kept with every posting.

    The status report reads these instead of scanning the ledger; `sunset verify` proves them
    equal to the entries. (An index on amounts would serve too, but it costs every month-end
    twenty million random index inserts.)
    """

    __tablename__ = "ledger_totals"

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class CycleProgress(Base):
    """How far the daily cycle has run in one local network: its resumable checkpoint, and the day
    through which the network's books are closed (no entry may be dated on or before it)."""

    __tablename__ = "cycle_progress"

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    done_through: Mapped[date] = mapped_column(Date)


class LedgerArchive(Base):
    """A closed month taken out of the ledger (PostgreSQL): its partition detached into the
    ``ledger_archive`` schema, where it can be dumped and dropped; an empty partition with
    ``CHECK (false)`` took its place, so no entry of that month can be written again."""

    __tablename__ = "ledger_archives"

    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    archived_table: Mapped[str] = mapped_column(String(127))
    entries: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    archived_at: Mapped[datetime] = mapped_column(DateTime)
    archived_by: Mapped[str] = mapped_column(String(100))


class BroughtForward(Base):
    """What the archived months moved on a line, by kind of entry: a line's balance is the sum
    of its entries in the ledger and of these (``sunset verify``), and what it ever paid in
    counts them."""

    __tablename__ = "ledger_brought_forward"

    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    line_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
