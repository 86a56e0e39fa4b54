"""Every select, insert and update of customers and lines."""

from __future__ import annotations

import numpy as np
import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sunset.kit.bulk import insert_frame
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
    customers = records.select(CUSTOMER_COLUMNS).unique(
        ["area_code", "operator_code", "customer_ref"], keep="first", maintain_order=True
    )
    insert_frame(session, "customers", customers, on_conflict_skip=True)
    lines = records.select(LINE_COLUMNS).with_columns(import_batch_id=pl.lit(batch_id))
    insert_frame(session, "lines", lines)


def get_by_number(session: Session, e164: str) -> Line | None:
    """Return the live line holding a number, if any."""
    return session.scalar(select(Line).where(Line.number == e164, Line.status.in_(LIVE_STATUSES)))
