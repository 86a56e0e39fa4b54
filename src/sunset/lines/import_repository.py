"""The bulk side of importing lines: staging customers, index rebuilds, numbers already taken."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import polars as pl
from sqlalchemy import (
    Boolean,
    Column,
    Index,
    MetaData,
    String,
    Table,
    delete,
    exists,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from sunset.db import execute_counted, table_of
from sunset.kit.bulk import Loader
from sunset.lines.models import Line, NumberHold
from sunset.lines.rules import CUSTOMER_COLUMNS, LINE_COLUMNS
from sunset.lines.vocabulary import (
    LIVE_STATUSES,
    NumberState,
)


def live_numbers(session: Session) -> np.ndarray:
    """Return every number on a live line as int64 national significant numbers."""
    numbers = session.scalars(select(Line.number).where(Line.status.in_(LIVE_STATUSES)))
    return np.fromiter((int(n[3:]) for n in numbers), dtype=np.int64)


def max_line_id(session: Session) -> int:
    """Return the highest line id so far (0 for none)."""
    return session.scalar(select(func.coalesce(func.max(Line.id), 0))) or 0


CUSTOMER_KEY = ("area_code", "operator_code", "customer_ref")

# An import's customers wait here (append-only, unindexed) and reach the customers table in one
# sorted pass at the end: millions of inserts at random places in its primary key cost far more.
CUSTOMERS_STAGED = Table(
    "customers_staged",
    MetaData(),
    Column("area_code", String(5)),
    Column("operator_code", String(32)),
    Column("customer_ref", String(64)),
    Column("name", String(200)),
    Column("real_name", Boolean),
    Column("id_hash", String(64)),
    Column("id_masked", String(32)),
)


def insert_lines(loader: Loader, records: pl.DataFrame, *, batch_id: int) -> None:
    """Stage the customers and add the lines of validated records (both land with the loader)."""
    customers = records.select(CUSTOMER_COLUMNS).unique(CUSTOMER_KEY, keep="first")
    loader.stage(CUSTOMERS_STAGED, customers)
    # Sorted by number, the rows reach the number index in one sweep instead of at random.
    lines = records.select(LINE_COLUMNS).with_columns(import_batch_id=pl.lit(batch_id))
    loader.append("lines", lines.sort("number"))


def store_staged_customers(session: Session, loader: Loader) -> int:
    """Move the landed loader's staged customers into the customers table in key order, keeping
    known ones."""
    staged = loader.staged(CUSTOMERS_STAGED)
    if staged is None:
        return 0
    columns = ", ".join(CUSTOMER_COLUMNS)
    key = ", ".join(CUSTOMER_KEY)
    return execute_counted(
        session,
        text(
            f"INSERT INTO customers ({columns}) SELECT {columns} FROM {staged}"
            f" WHERE 1 = 1 ORDER BY {key} ON CONFLICT DO NOTHING"
        ),
    )


def _secondary_indexes(also: Sequence[Index]) -> list[Index]:
    # By name: a table's indexes are a set, and SQLite, without statistics, breaks a tie
    # between two indexes by the order they were created in. Rebuilt in a different order by
    # each import, the same database got a different plan after each (a 20M-line month-end's
    # charges: 54 or 98 s, see ledger.charge_lines).
    indexes = [*Line.__table__.indexes, *also]  # type: ignore[attr-defined]
    return sorted(indexes, key=lambda index: str(index.name))


def drop_secondary_indexes(session: Session, *, also: Sequence[Index] = ()) -> None:
    """Drop the secondary indexes of lines (and ``also`` those of the tables the import fills
    beside them: the ledger's opening balances), inside the transaction.

    For a load that at least doubles the tables: rebuilding an index by sorting once is far
    cheaper than millions of random inserts into it. Uniqueness is checked before any row is
    written (`SeenNumbers`), and recreating the unique index checks it again.
    """
    for index in _secondary_indexes(also):
        index.drop(bind=session.connection())


def create_secondary_indexes(session: Session, *, also: Sequence[Index] = ()) -> None:
    """Recreate the indexes `drop_secondary_indexes` dropped."""
    for index in _secondary_indexes(also):
        index.create(bind=session.connection())


# --- numbers an import must not give out again -------------------------------------------


def quarantined_numbers(session: Session, *, on: date) -> tuple[np.ndarray, np.ndarray]:
    """Return numbers still in quarantine on a day (int64 national numbers, sorted) and the
    days their quarantine ends."""
    rows = session.execute(
        select(NumberHold.number, NumberHold.until).where(
            NumberHold.state == NumberState.QUARANTINE.value, NumberHold.until > on
        )
    ).all()
    numbers = np.fromiter((int(n[3:]) for n, _ in rows), dtype=np.int64, count=len(rows))
    until = np.array([str(u) for _, u in rows], dtype=object)
    order = np.argsort(numbers)
    return numbers[order], until[order]


def claim_free_numbers(session: Session, *, batch_id: int) -> int:
    """Take the numbers an import gave to new lines out of the pool (quarantined numbers were
    refused before, unless their quarantine had ended)."""
    holds, lines = table_of(NumberHold), table_of(Line)
    taken = exists().where(
        lines.c.area_code == holds.c.area_code,
        lines.c.number == holds.c.number,
        lines.c.import_batch_id == batch_id,
    )
    # Free numbers, and quarantined ones whose quarantine is over (the cycle may not have run).
    return execute_counted(session, delete(holds).where(taken))
