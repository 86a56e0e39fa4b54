"""Bulk import of lines: validate every row, import all of them or none, at bulk-load speed."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import and_
from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.ingest import service as ingest
from sunset.ingest.reader import Chunk, estimate_rows, read_chunks
from sunset.kit.bulk import Loader
from sunset.kit.numbers import NumberingPlan, plan_for
from sunset.kit.pipeline import prefetch
from sunset.kit.rows import RowError
from sunset.kit.seen import IN_DATABASE, NOT_SEEN, SeenNumbers
from sunset.ledger import repository as ledger_repo
from sunset.lines import import_repository as bulk
from sunset.lines import repository, rules, service
from sunset.lines.models import Line
from sunset.lines.vocabulary import LIVE_STATUSES
from sunset.reference import repository as reference

Progress = Callable[[int], None]
CLOSE_CHUNK = 5_000  # ids bound in one statement (SQLite allows 32,766 parameters)


@dataclass
class _Validated:
    records: pl.DataFrame
    errors: list[RowError]
    rows_read: int


def line_context(session: Session, *, today: date) -> rules.LineContext:
    """Gather what validating lines needs from the catalogue."""
    networks = reference.networks(session)
    local = reference.local_networks(session)
    return rules.LineContext(
        today=today,
        operators=frozenset(reference.operator_codes(session)),
        number_formats={code: n.number_format for code, n in networks.items()},
        area_groups={code: n.merged_into or code for code, n in local.items()},
        id_salt=get_settings().id_salt,
        max_monthly_fee_fen=get_settings().max_monthly_fee_yuan * 100,
    )


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
) -> ingest.ImportResult:
    """Import lines from a CSV or Parquet file; refuse the whole file if any row is bad.

    Reading and validation run in a background thread while the previous chunk is written.
    Nothing is committed here: the caller's transaction holds every row, so a refusal or a crash
    leaves the database as it was.
    """
    settings = get_settings()
    ignored, chunks = read_chunks(
        path, chunk_rows=chunk_rows or settings.import_chunk_rows, check_names=rules.check_columns
    )
    batch = ingest.start_batch(session, kind="lines", path=path, now=now)
    ctx = line_context(session, today=today)
    plan = plan_for(settings.numbering_overlay)
    seen = SeenNumbers()
    stored = bulk.live_numbers(session)
    seen.add(stored, np.full(len(stored), IN_DATABASE))
    held = bulk.quarantined_numbers(session, on=today)
    first_new_id = bulk.max_line_id(session)
    rebuild = repository.count_lines(session) < (estimate_rows(path) or 0)
    if rebuild:
        bulk.drop_secondary_indexes(session)
    result = ingest.ImportResult(batch_id=batch.id, ignored_columns=ignored)
    with ingest.ErrorLog(errors_path) as log, Loader(session) as loader:
        for step in prefetch(_validate_all(chunks, ctx, plan, seen, held)):
            result.rows_read += step.rows_read
            log.extend(step.errors)
            if log.count == 0 or skip_invalid:
                bulk.insert_lines(loader, step.records, batch_id=batch.id)
                result.imported += step.records.height
            if progress:
                progress(result.rows_read)
        result.rejected = len(log.rows)
        result.errors = log.first
        ingest.refuse_if_empty(result, file_name=path.name)
        if log.count and not skip_invalid:
            raise ingest.reject(log, file_name=path.name)
        loader.land()
        bulk.store_staged_customers(session, loader)
    bulk.claim_free_numbers(session, batch_id=batch.id)
    result.opening_entries = ledger_repo.add_opening_balances(
        session, batch_id=batch.id, after_line_id=first_new_id, entry_date=today
    )
    if rebuild:
        bulk.create_secondary_indexes(session)
    batch.rows_imported, batch.rows_rejected = result.imported, result.rejected
    session.flush()
    return result


def _validate_all(
    chunks: Iterator[Chunk],
    ctx: rules.LineContext,
    plan: NumberingPlan,
    seen: SeenNumbers,
    held: tuple[np.ndarray, np.ndarray],
) -> Iterator[_Validated]:
    for chunk in chunks:
        clean, errors = rules.validate(chunk.frame, chunk.rows, ctx, plan)
        clean, quarantined = _drop_quarantined(clean, held)
        clean, duplicates = _drop_duplicates(clean, seen)
        errors = sorted([*chunk.malformed, *errors, *quarantined, *duplicates], key=lambda e: e.row)
        records = rules.to_records(clean, ctx).drop("_row")
        yield _Validated(records, errors, chunk.frame.height + len(chunk.malformed))


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


@dataclass(frozen=True)
class Closed:
    """What closing a set of lines did: lines closed, refunds written and their amount."""

    lines: int
    refunds: int
    refunded_fen: int


def close_lines(
    session: Session, *, area_code: str, line_ids: Sequence[int], day: date, reason: str
) -> Closed:
    """Terminate the chosen lines of a local network on ``day`` at their owners' request.

    The steps of ``service.terminate`` for one line, set-based for many: charge each line its
    month's days before ``day``, refund its positive balance (an entry and a refund to pay out,
    keyed ``refund:<line id>``), put its number in quarantine, mark it terminated. A line that is
    no longer live is left alone, so closing the same lines again closes nothing twice; a day the
    cycle has already run through is refused (``DATE_BEFORE_CYCLE``), as for one line.
    """
    service.refuse_before_cycle(
        session, area_code=area_code, day=day, who=f"{len(line_ids):,} line(s)"
    )
    closed = refunds = refunded = 0
    for start in range(0, len(line_ids), CLOSE_CHUNK):
        chunk = [int(i) for i in line_ids[start : start + CLOSE_CHUNK]]
        which = and_(
            Line.area_code == area_code, Line.id.in_(chunk), Line.status.in_(LIVE_STATUSES)
        )
        repository.lock(session, which)
        if day.day > 1:  # leaving on the 1st, no day of the month was used
            ledger_repo.charge_lines(
                session,
                area_code=area_code,
                which=which,
                month_start=day.replace(day=1),
                stop=day,
                days_in_month=calendar.monthrange(day.year, day.month)[1],
                entry_date=day,
            )
        before = ledger_repo.max_entry_id(session)
        refunds += ledger_repo.refund_lines(
            session, area_code=area_code, which=which, day=day, reason=reason
        )
        refunded += ledger_repo.refunded_since(session, area_code=area_code, after_id=before)
        until = day + timedelta(days=get_settings().quarantine_days)
        repository.quarantine_numbers(session, which=which, day=day, until=until)
        closed += repository.terminate(session, which=which, day=day)
    return Closed(closed, refunds, refunded)
