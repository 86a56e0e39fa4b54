"""Bulk import of lines: validate every row, import all of them or none, at bulk-load speed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Index
from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.ingest.pipeline import Validated, run_import
from sunset.ingest.reader import Chunk, estimate_rows
from sunset.ingest.service import ImportResult
from sunset.kit.bulk import Loader
from sunset.kit.numbers import plan_for
from sunset.kit.rows import RowError
from sunset.kit.seen import IN_DATABASE, NOT_SEEN, SeenNumbers
from sunset.lines import import_repository as bulk
from sunset.lines import repository, rules
from sunset.lines.service import line_context

Progress = Callable[[int], None]


def import_lines(
    session: Session,
    *,
    path: Path,
    today: date,
    now: datetime,
    skip_invalid: bool = False,
    errors_path: Path | None = None,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
    also_indexed: Sequence[Index] = (),
    on_loaded: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import lines from a CSV or Parquet file; refuse the whole file if any row is bad.

    Reading and validation run in a background thread while the previous chunk is written.
    Nothing is committed here: the caller's transaction holds every row, so a refusal or a crash
    leave the database as it was. The opening balances are the ledger's to write: ``on_loaded``
    writes them once the lines are in (``result.ids_after`` is where the batch's ids begin),
    before the indexes are rebuilt, those of ``also_indexed`` (its table's) with the lines'.
    """
    settings = get_settings()
    ctx = line_context(session, today=today)
    plan = plan_for(settings.numbering_overlay)
    seen = SeenNumbers()
    stored = bulk.live_numbers(session)
    seen.add(stored, np.full(len(stored), IN_DATABASE))
    held = bulk.quarantined_numbers(session, on=today)
    first_new_id = bulk.max_line_id(session)
    rebuild = repository.count_lines(session) < (estimate_rows(path) or 0)
    if rebuild:
        bulk.drop_secondary_indexes(session, also=also_indexed)

    def validate(chunk: Chunk) -> Validated:
        clean, errors = rules.validate(chunk.frame, chunk.rows, ctx, plan)
        clean, quarantined = _drop_quarantined(clean, held)
        clean, duplicates = _drop_duplicates(clean, seen)
        records = rules.to_records(clean, ctx).drop("_row")
        return Validated.of(chunk, records, [*errors, *quarantined, *duplicates])

    with Loader(session) as loader:
        result = run_import(
            session,
            kind="lines",
            path=path,
            now=now,
            chunk_rows=chunk_rows or settings.import_chunk_rows,
            check_names=rules.check_columns,
            validate=validate,
            write=lambda records, batch_id: bulk.insert_lines(loader, records, batch_id=batch_id),
            skip_invalid=skip_invalid,
            errors_path=errors_path,
            progress=progress,
            overlap=True,
        )
        loader.land()
        bulk.store_staged_customers(session, loader)
    assert result.batch_id is not None
    bulk.claim_free_numbers(session, batch_id=result.batch_id)
    result.ids_after = first_new_id
    if on_loaded is not None:
        on_loaded(result)
    if rebuild:
        bulk.create_secondary_indexes(session, also=also_indexed)
    session.flush()
    return result


def _drop_quarantined(
    clean: pl.DataFrame, held: tuple[np.ndarray, np.ndarray]
) -> tuple[pl.DataFrame, list[RowError]]:
    """Remove rows whose number rests in quarantine after its line was closed, saying until when."""
    numbers, until = held
    if len(numbers) == 0 or clean.height == 0:
        return clean, []
    mine = clean.get_column("e164").str.slice(3).cast(pl.Int64).to_numpy()
    pos = np.minimum(np.searchsorted(numbers, mine), len(numbers) - 1)
    hit = numbers[pos] == mine
    if not hit.any():
        return clean, []
    errors = [
        RowError(row, "number", number, f"number is in quarantine until {end}")
        for row, number, end in zip(
            clean.get_column("_row").to_numpy()[hit],
            clean.get_column("number").to_numpy()[hit],
            until[pos[hit]],
            strict=True,
        )
    ]
    return clean.filter(~pl.Series(hit)), errors


def _drop_duplicates(clean: pl.DataFrame, seen: SeenNumbers) -> tuple[pl.DataFrame, list[RowError]]:
    """Remove rows whose number is already live or came earlier in the file, saying which."""
    numbers = clean.get_column("e164").str.slice(3).cast(pl.Int64).to_numpy()
    earlier = seen.add(numbers, clean.get_column("_row").to_numpy())
    duplicate = earlier != NOT_SEEN
    if not duplicate.any():
        return clean, []
    dupes = clean.filter(pl.Series(duplicate)).with_columns(_earlier=earlier[duplicate])
    errors = [
        RowError(
            row=row,
            column="number",
            value=number,
            reason="number is already on a live line in the database"
            if first == IN_DATABASE
            else f"number appears twice in the file (first at row {first})",
        )
        for row, number, first in dupes.select("_row", "number", "_earlier").iter_rows()
    ]
    return clean.filter(~pl.Series(duplicate)), errors
