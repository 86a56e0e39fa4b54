"""Every select, insert and update of customers and lines."""

from __future__ import annotations

import numpy as np
import polars as pl
from sqlalchemy import Index, func, select
from sqlalchemy.orm import Session

from sunset.kit.bulk import insert_frame
from sunset.ledger.models import LedgerEntry
from sunset.lines.models import Line
from sunset.lines.rules import CUSTOMER_COLUMNS, LINE_COLUMNS
from sunset.lines.vocabulary import LIVE_STATUSES


def live_numbers(session: Session) -> np.ndarray:
    """Return every number on a live line as int64 national significant numbers."""
    numbers = session.scalars(select(Line.number).where(Line.status.in_(LIVE_STATUSES)))
    return np.fromiter((int(n[3:]) for n in numbers), dtype=np.int64)


def max_line_id(session: Session) -> int:
    """Return the highest line id so far (0 for none)."""
    return session.scalar(select(func.coalesce(func.max(Line.id), 0))) or 0


def insert_lines(session: Session, records: pl.DataFrame, *, batch_id: int) -> None:
    """Insert customers (skipping ones already known) and lines from validated records."""
    key = ["area_code", "operator_code", "customer_ref"]
    customers = records.select(CUSTOMER_COLUMNS).unique(key, keep="first", maintain_order=True)
    customers = customers.sort(key)  # in key order: the primary key is written in one sweep
    insert_frame(session, "customers", customers, on_conflict_skip=True)
    # Sorted by number, the rows reach the number index in one sweep instead of at random.
    lines = records.select(LINE_COLUMNS).with_columns(import_batch_id=pl.lit(batch_id))
    lines = lines.sort("number")
    insert_frame(session, "lines", lines)


def get_by_number(session: Session, e164: str) -> Line | None:
    """Return the live line holding a number, if any."""
    return session.scalar(select(Line).where(Line.number == e164, Line.status.in_(LIVE_STATUSES)))


def count_lines(session: Session) -> int:
    """Return how many lines there are (any status)."""
    return session.scalar(select(func.count()).select_from(Line)) or 0


def _secondary_indexes() -> list[Index]:
    return [*Line.__table__.indexes, *LedgerEntry.__table__.indexes]  # type: ignore[attr-defined]


def drop_secondary_indexes(session: Session) -> None:
    """Drop the secondary indexes of lines and ledger entries, inside the transaction.

    For a load that at least doubles the tables: rebuilding an index by sorting once is far
    cheaper than millions of random inserts into it. Uniqueness is checked before any row is
    written (`SeenNumbers`), and recreating the unique index checks it again.
    """
    for index in _secondary_indexes():
        index.drop(bind=session.connection())


def create_secondary_indexes(session: Session) -> None:
    """Recreate the indexes `drop_secondary_indexes` dropped."""
    for index in _secondary_indexes():
        index.create(bind=session.connection())
