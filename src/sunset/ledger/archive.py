"""Closed months taken out of the ledger (PostgreSQL): ``sunset ledger archive MONTH``.

A month's partition is detached from the ledger and moved into the ``ledger_archive`` schema,
where it stays readable (and immutable) until the database's owner dumps and drops it
(``pg_dump -t ledger_archive.ledger_entries_p201101``). In one transaction:

1. the month's partition is locked against writes (``SHARE``: readers go on);
2. every local network that has entries in that month, or live lines, must have had its cycle
   run through the month's last day (its books are closed: no entry may be dated in it again);
3. what the month moved on each line is added to ``ledger_brought_forward``, by kind, so that
   a line's balance is still the sum of its ledger (``verify``) and what it ever paid in still
   counts the month (the money limits' ``MORE_THAN_PAID_IN``);
4. the partition is detached and moved to ``ledger_archive``; an empty partition with
   ``CHECK (false)`` (``ledger_month_archived``) takes its place, so the database itself refuses
   any entry of that month from then on, whichever path writes it; the batch jobs refuse the
   month before they start (``partitions.prepare_periods``: ``MONTH_ARCHIVED``).

The running totals (``ledger_totals``) are not touched: they are sums of every entry ever
written, and ``verify`` compares them with the entries plus what was brought forward. A key a
client gave in an archived month cannot be replayed (its entry is in the archive): it is
refused (``KEY_OF_ARCHIVED_MONTH``), never posted again.

SQLite keeps the ledger in one table in the order of its key: there is no partition to detach,
and the command says so (``ARCHIVE_NEEDS_POSTGRESQL``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sunset.errors import OperationRefusedError
from sunset.ledger.models import LedgerArchive
from sunset.ledger.partitions import (
    DEFAULT_PARTITION,
    on_postgresql,
    partition_name,
    partitions,
)
from sunset.ledger.rules import period_end, period_label
from sunset.lines.models import LIVE_WHERE

ARCHIVE_SCHEMA = "ledger_archive"
BROUGHT_FORWARD = "brought_forward"  # a line's history: what its archived months moved
ARCHIVED_CHECK = "ledger_month_archived"
LOCK_TIMEOUT = "10s"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout expires


@dataclass(frozen=True)
class Archived:
    """A month taken out of the ledger: where it went, how many entries, their sum, how many
    (line, kind) sums were brought forward, when and by whom; ``already`` when an earlier run
    had archived it (this one changed nothing)."""

    period: int
    table: str
    entries: int
    amount_fen: int
    brought_forward: int
    archived_at: datetime
    archived_by: str
    already: bool = False


def archives(session: Session) -> list[LedgerArchive]:
    """Every archived month, oldest first."""
    return list(session.scalars(select(LedgerArchive).order_by(LedgerArchive.period)))


def archive_month(session: Session, *, period: int, now: datetime, by: str) -> Archived:
    """Take a closed month out of the ledger (see the module's docstring); the caller commits.

    Refused, with nothing changed: on SQLite; a month with no partition of its own (nothing
    written, or its entries in the default partition); a month some local network has not
    closed (named, with how far its cycle has run); a ledger too busy to detach from.
    """
    done = archive_here(session, period=period, now=now, by=by)
    if done is None:
        raise OperationRefusedError(
            f"the ledger has no entries of {period_label(period)}: nothing to archive",
            code="NOTHING_TO_ARCHIVE",
        )
    return done


def archive_here(session: Session, *, period: int, now: datetime, by: str) -> Archived | None:
    """``archive_month`` on this database's own ledger, one share of a cluster's archive: None
    when it has no entry of the month (no partition, none in the default one either)."""
    label = period_label(period)
    if not on_postgresql(session):
        raise OperationRefusedError(
            "archiving a month detaches its partition of the ledger, and only PostgreSQL "
            "partitions it: on SQLite the ledger is one table in the order of its key",
            code="ARCHIVE_NEEDS_POSTGRESQL",
        )
    earlier = session.get(LedgerArchive, period)
    if earlier is not None:
        return _answer(earlier, brought_forward=0, already=True)
    name = partition_name(period)
    if name not in partitions(session):
        _refuse_in_default_partition(session, period, label)
        return None
    _set_lock_timeout(session)
    _locked(session, f"LOCK TABLE {name} IN SHARE MODE", label)
    open_areas = session.execute(
        text(
            f"SELECT a.area_code, c.done_through FROM (SELECT DISTINCT area_code FROM {name}"
            f" UNION SELECT DISTINCT area_code FROM lines WHERE {LIVE_WHERE}) a"
            " LEFT JOIN cycle_progress c ON c.area_code = a.area_code"
            " WHERE c.done_through IS NULL OR c.done_through < :end ORDER BY a.area_code"
        ),
        {"end": period_end(period)},
    ).all()
    if open_areas:
        shown = ", ".join(
            f"{area} (cycle run through {done})" if done else f"{area} (cycle never run)"
            for area, done in open_areas[:10]
        )
        more = f" and {len(open_areas) - 10} more" if len(open_areas) > 10 else ""
        raise OperationRefusedError(
            f"{label} is not closed in {len(open_areas)} local network(s): {shown}{more}; run "
            f"the cycle through {period_end(period)} everywhere first (`sunset run --until "
            f"{period_end(period)}`)",
            code="MONTH_NOT_CLOSED",
        )
    entries, fen = session.execute(
        text(f"SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM {name}")
    ).one()
    brought = session.execute(
        text(
            "INSERT INTO ledger_brought_forward (area_code, line_id, kind, amount_fen)"
            f" SELECT area_code, line_id, kind, SUM(amount_fen) FROM {name}"
            " GROUP BY area_code, line_id, kind"
            " ON CONFLICT (area_code, line_id, kind) DO UPDATE"
            " SET amount_fen = ledger_brought_forward.amount_fen + excluded.amount_fen"
        )
    )
    brought_forward = int(brought.rowcount or 0)  # type: ignore[attr-defined]
    _locked(session, f"ALTER TABLE ledger_entries DETACH PARTITION {name}", label)
    session.execute(text(f"CREATE SCHEMA IF NOT EXISTS {ARCHIVE_SCHEMA}"))
    session.execute(text(f"ALTER TABLE {name} SET SCHEMA {ARCHIVE_SCHEMA}"))
    archived_table = f"{ARCHIVE_SCHEMA}.{name}"
    session.execute(
        text(
            f"CREATE TRIGGER trg_ledger_archived_immutable BEFORE UPDATE OR DELETE"
            f" ON {archived_table} FOR EACH ROW EXECUTE FUNCTION ledger_entries_immutable()"
        )
    )
    session.execute(
        text(f"CREATE TABLE {name} (LIKE ledger_entries INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    )
    session.execute(text(f"ALTER TABLE {name} ADD CONSTRAINT {ARCHIVED_CHECK} CHECK (false)"))
    _locked(
        session,
        f"ALTER TABLE ledger_entries ATTACH PARTITION {name}"
        f" FOR VALUES FROM ({period}) TO ({period + 1})",
        label,
    )
    record = LedgerArchive(
        period=period,
        archived_table=archived_table,
        entries=int(entries),
        amount_fen=int(fen),
        archived_at=now,
        archived_by=by,
    )
    session.add(record)
    session.flush()
    return _answer(record, brought_forward=brought_forward, already=False)


def record_of_all(
    session: Session, *, period: int, parts: Sequence[Archived], now: datetime, by: str
) -> Archived:
    """This database's record of a month archived on several (a cluster's coordinator, its own
    ledger's share among ``parts``, the data servers' the others): their sums."""
    record = session.get(LedgerArchive, period)
    if record is None:
        record = LedgerArchive(
            period=period,
            archived_table=f"{ARCHIVE_SCHEMA}.{partition_name(period)}",
            entries=0,
            amount_fen=0,
            archived_at=now,
            archived_by=by,
        )
        session.add(record)
    record.entries = sum(p.entries for p in parts)
    record.amount_fen = sum(p.amount_fen for p in parts)
    session.flush()
    return _answer(record, brought_forward=sum(p.brought_forward for p in parts), already=False)


def _answer(record: LedgerArchive, *, brought_forward: int, already: bool) -> Archived:
    return Archived(
        period=record.period,
        table=record.archived_table,
        entries=record.entries,
        amount_fen=record.amount_fen,
        brought_forward=brought_forward,
        archived_at=record.archived_at,
        archived_by=record.archived_by,
        already=already,
    )


def _refuse_in_default_partition(session: Session, period: int, label: str) -> None:
    stray = session.execute(
        text(f"SELECT COUNT(*) FROM {DEFAULT_PARTITION} WHERE period = :p"), {"p": period}
    ).scalar_one()
    if stray:
        raise OperationRefusedError(
            f"the {stray:,} entries of {label} are in the ledger's default partition (written "
            "before the month had a partition of its own), not in a partition that can be "
            "detached; they stay in the ledger",
            code="MONTH_IN_DEFAULT_PARTITION",
        )


def _set_lock_timeout(session: Session) -> None:
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))


def _locked(session: Session, sql: str, label: str) -> None:
    """Run a statement that needs a lock on the ledger; a ledger busy for longer than
    ``LOCK_TIMEOUT`` (a cycle or a credit run writing) is a refusal to try again later."""
    try:
        session.execute(text(sql))
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise OperationRefusedError(
            f"the ledger is busy (a cycle or a credit run is writing): {label} was not archived; "
            f"try again when it has finished",
            code="LEDGER_BUSY",
        ) from None
