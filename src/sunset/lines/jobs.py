"""Bulk import of lines: validate every row, import all of them or none, at bulk-load speed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

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
T = TypeVar("T")


@dataclass(frozen=True)
class Elsewhere:
    """Local networks whose rows an import writes through a session of their own (a cluster's
    data server): their lines, customers, numbers taken and opening balances. Its transaction
    is the caller's to end, with the import's."""

    session: Session
    areas: frozenset[str]


OpenBalances = Callable[[Session, int, int], int]  # session, batch id, ids after -> entries


class _Destination:
    """One database an import writes: its ids so far, whether its indexes are rebuilt, and the
    loader its rows go through."""

    def __init__(
        self, session: Session, *, rows: int, also_indexed: Sequence[Index], stack: ExitStack
    ) -> None:
        self.session = session
        self.first_new_id = bulk.max_line_id(session)
        self.rebuild = repository.count_lines(session) < rows
        if self.rebuild:
            bulk.drop_secondary_indexes(session, also=also_indexed)
        self.loader = stack.enter_context(Loader(session))

    def finish(
        self, batch_id: int, also_indexed: Sequence[Index], open_balances: OpenBalances | None
    ) -> int:
        """Land the rows, store the customers, take the numbers, write the opening balances and
        rebuild the indexes; return the opening balances written."""
        self.loader.land()
        bulk.store_staged_customers(self.session, self.loader)
        bulk.claim_free_numbers(self.session, batch_id=batch_id)
        opened = open_balances(self.session, batch_id, self.first_new_id) if open_balances else 0
        if self.rebuild:
            bulk.create_secondary_indexes(self.session, also=also_indexed)
        self.session.flush()
        return opened


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
    open_balances: OpenBalances | None = None,
    elsewhere: Sequence[Elsewhere] = (),
    sha256: str | None = None,
) -> ImportResult:
    """Import lines from a CSV or Parquet file; refuse the whole file if any row is bad.

    Reading and validation run in a background thread while the previous chunk is written.
    Nothing is committed here: the caller's transaction holds every row, so a refusal or a crash
    leave the database as it was. The opening balances are the ledger's to write:
    ``open_balances`` writes them once the lines are in, before the indexes are rebuilt, those
    of ``also_indexed`` (its table's) with the lines'.

    The rows of the networks ``elsewhere`` names are written through its sessions, at once,
    the rest through ``session``; each row is checked against the numbers taken in all of them.
    """
    settings = get_settings()
    ctx = line_context(session, today=today)
    plan = plan_for(settings.numbering_overlay)
    seen = SeenNumbers()
    sessions = [session, *(e.session for e in elsewhere)]
    stored = np.concatenate([bulk.live_numbers(s) for s in sessions])
    seen.add(stored, np.full(len(stored), IN_DATABASE))
    held = _merged([bulk.quarantined_numbers(s, on=today) for s in sessions])

    def validate(chunk: Chunk) -> Validated:
        clean, errors = rules.validate(chunk.frame, chunk.rows, ctx, plan)
        clean, quarantined = _drop_quarantined(clean, held)
        clean, duplicates = _drop_duplicates(clean, seen)
        records = rules.to_records(clean, ctx).drop("_row")
        return Validated.of(chunk, records, [*errors, *quarantined, *duplicates])

    rows = estimate_rows(path) or 0
    with ExitStack() as stack:
        here = _Destination(session, rows=rows, also_indexed=also_indexed, stack=stack)
        there = [
            (e.areas, _Destination(e.session, rows=rows, also_indexed=also_indexed, stack=stack))
            for e in elsewhere
        ]
        destinations = [here, *(d for _, d in there)]
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=len(destinations)))

        def write(records: pl.DataFrame, batch_id: int) -> None:
            shares = _shares(records, here, there)
            _all_at_once(
                pool,
                [partial(bulk.insert_lines, d.loader, r, batch_id=batch_id) for d, r in shares],
            )

        result = run_import(
            session,
            kind="lines",
            path=path,
            now=now,
            chunk_rows=chunk_rows or settings.import_chunk_rows,
            check_names=rules.check_columns,
            validate=validate,
            write=write,
            skip_invalid=skip_invalid,
            errors_path=errors_path,
            progress=progress,
            overlap=True,
            sha256=sha256,
        )
        batch_id = result.batch_id
        assert batch_id is not None
        opened = _all_at_once(
            pool, [partial(d.finish, batch_id, also_indexed, open_balances) for d in destinations]
        )
    result.ids_after = here.first_new_id
    result.opening_entries = sum(opened)
    return result


def _shares(
    records: pl.DataFrame,
    here: _Destination,
    there: Sequence[tuple[frozenset[str], _Destination]],
) -> list[tuple[_Destination, pl.DataFrame]]:
    """Split a chunk's records by the destination of their local network (``here``: the rest)."""
    if not there:
        return [(here, records)]
    area = pl.col("area_code")
    placed = frozenset().union(*(areas for areas, _ in there))
    shares = [(d, records.filter(area.is_in(list(areas)))) for areas, d in there]
    return [(here, records.filter(~area.is_in(list(placed)))), *shares]


def _all_at_once(pool: ThreadPoolExecutor, work: Sequence[Callable[[], T]]) -> list[T]:
    """Run each piece on its own thread (one database each) and wait for all; the first error
    is raised once every piece has ended (none is left writing)."""
    if len(work) == 1:
        return [work[0]()]
    futures = [pool.submit(piece) for piece in work]
    wait(futures)
    return [future.result() for future in futures]


def _merged(held: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The quarantined numbers of several databases, sorted, with the days they end."""
    if len(held) == 1:
        return held[0]
    numbers = np.concatenate([n for n, _ in held])
    until = np.concatenate([u for _, u in held])
    order = np.argsort(numbers)
    return numbers[order], until[order]


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
