"""The ledger's partitions on PostgreSQL: one a month, made before a month is written (by the
batch jobs, in a transaction of their own, before their writers start), and detached once its
books are closed (``detach``). SQLite keeps the ledger in one table, in the order of its primary
key (``WITHOUT ROWID``): there is nothing to do there.

A partition is made as a table of its own and then attached (``ATTACH PARTITION`` takes a
lighter lock on the ledger than ``CREATE TABLE ... PARTITION OF``), in a savepoint with a short
lock timeout: a month whose partition cannot be made at once (the ledger busy, or entries of the
month already written to the default partition) is written to the default partition instead,
which is correct, only not in its own place. Attaching while another transaction writes the
same month through the ledger may refuse that write (PostgreSQL routes it with the partitions
it knew when it started): the cycle and the credit runs therefore make the months they will
write in a transaction of their own first, before their writers start, and the next month with
them, so that the day's top-ups find their month ready.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sunset.db import table_of
from sunset.errors import OperationRefusedError
from sunset.ledger.models import LedgerArchive
from sunset.ledger.rules import period_label

DEFAULT_PARTITION = "ledger_entries_default"
# Named with their schema: on a cluster's coordinator the name alone is the parent over every
# server (``cluster.layout``), and the months are partitions of the coordinator's own ledger.
LEDGER = "public.ledger_entries"
LOCK_TIMEOUT = "2s"


def partition_name(period: int) -> str:
    """The name of a month's partition (``ledger_entries_p201101``)."""
    return f"ledger_entries_p{period}"


def is_partition(table: str) -> bool:
    """Whether a table is one of the ledger's partitions (not a model of its own)."""
    return table == DEFAULT_PARTITION or table.startswith("ledger_entries_p")


def on_postgresql(session: Session) -> bool:
    """Whether the ledger is partitioned here (PostgreSQL)."""
    return session.get_bind().dialect.name == "postgresql"


def partitions(session: Session) -> set[str]:
    """Return the names of the ledger's partitions attached now."""
    rows = session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            f" WHERE i.inhparent = '{LEDGER}'::regclass"
        )
    )
    return {str(name) for (name,) in rows}


def refuse_archived(session: Session, periods: Iterable[int]) -> None:
    """Refuse to write months taken out of the ledger (``archive``): their entries are in the
    archive, and the database refuses new ones (``MONTH_ARCHIVED``)."""
    archived = sorted(
        int(p)
        for (p,) in session.execute(
            select(table_of(LedgerArchive).c.period).where(
                table_of(LedgerArchive).c.period.in_(sorted(set(periods)))
            )
        )
    )
    if archived:
        months = ", ".join(period_label(p) for p in archived)
        raise OperationRefusedError(
            f"{months} archived (`sunset ledger archives`): its books are closed and its "
            "entries are out of the ledger; no entry of it can be written",
            code="MONTH_ARCHIVED",
        )


def prepare_periods(session: Session, periods: Iterable[int]) -> None:
    """On PostgreSQL, give each period (yyyymm) its partition if it has none yet; refuse a
    month archived (``MONTH_ARCHIVED``)."""
    wanted = sorted(set(periods))
    if not wanted or not on_postgresql(session):
        return
    refuse_archived(session, wanted)
    attached = partitions(session)
    for period in wanted:
        if partition_name(period) not in attached:
            _attach(session, period)


def _attach(session: Session, period: int) -> None:
    name = partition_name(period)
    previous = session.execute(text("SHOW lock_timeout")).scalar_one()
    try:
        with session.begin_nested():
            session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            # Entries of the month already in the default partition stay there (attaching
            # would be refused); the month is then read and written there.
            stray = session.execute(
                text(f"SELECT 1 FROM public.{DEFAULT_PARTITION} WHERE period = :p LIMIT 1"),
                {"p": period},
            ).first()
            if stray is None:
                session.execute(
                    text(
                        f"CREATE TABLE IF NOT EXISTS public.{name}"
                        f" (LIKE {LEDGER} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                    )
                )
                session.execute(
                    text(
                        f"ALTER TABLE {LEDGER} ATTACH PARTITION public.{name}"
                        f" FOR VALUES FROM ({period}) TO ({period + 1})"
                    )
                )
    except DBAPIError:
        pass  # busy or made meanwhile: written to whichever partition holds the month
    finally:
        session.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": previous})


@dataclass(frozen=True)
class Detached:
    """A month's partition detached from the ledger: its table, entries and their sum."""

    table: str
    entries: int
    fen: int


def detach(session: Session, period: int) -> Detached | None:
    """Detach a month's partition from the ledger (PostgreSQL); None when the month has none
    of its own (its entries, if any, are in the default partition)."""
    name = partition_name(period)
    if name not in partitions(session):
        return None
    count, fen = session.execute(
        text(f"SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM public.{name}")
    ).one()
    session.execute(text(f"ALTER TABLE {LEDGER} DETACH PARTITION public.{name}"))
    return Detached(name, int(count), int(fen))
