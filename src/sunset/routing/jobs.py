"""Bulk import and export of the number database as CSV, all rows or none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.ingest.pipeline import Validated, run_import
from sunset.ingest.reader import Chunk
from sunset.ingest.service import ImportResult
from sunset.kit.checks import apply_checks
from sunset.kit.numbers import NumberingPlan, plan_for
from sunset.kit.rows import RowError
from sunset.reference import repository as reference
from sunset.routing import repository, rules
from sunset.routing.catalogue import routing_numbers
from sunset.routing.vocabulary import RouteSource

CHUNK_ROWS = 100_000
NO_AREA = "a mobile number new to the number database and on no live line: give its area_code"
Progress = Callable[[int], None]
EXPORT_COLUMNS = [
    pl.col("number"),
    pl.col("operator_code").alias("operator"),
    pl.col("network_code").alias("network"),
    pl.col("routing_number"),
    pl.col("valid_from").dt.strftime(rules.EXPORT_FORMAT),
    pl.col("forward_to"),
    pl.col("forward_until").dt.strftime(rules.EXPORT_FORMAT),
    pl.col("source"),
]


def export_routes(session: Session, *, path: Path, progress: Progress | None = None) -> int:
    """Write every entry to a CSV file (UTF-8, moments in UTC+8); return how many."""
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        for frame in repository.iter_entries(session):
            frame.select(EXPORT_COLUMNS).write_csv(handle, include_header=written == 0)
            written += frame.height
            if progress:
                progress(written)
        if written == 0:
            handle.write(",".join((*rules.REQUIRED, "forward_to", "forward_until", "source")))
            handle.write("\n")
    return written


def import_routes(
    session: Session,
    *,
    path: Path,
    now: datetime,
    errors_path: Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import entries from a CSV or Parquet file; refuse the whole file if any row is bad."""
    ctx = _context(session)
    plan = plan_for(get_settings().numbering_overlay)
    first_row: dict[tuple[str, datetime], int] = {}

    def validate(chunk: Chunk) -> Validated:
        records, errors = _validate(session, chunk.frame, chunk.rows, ctx, plan, first_row)
        return Validated.of(chunk, records, errors)

    def write(records: pl.DataFrame, batch_id: int) -> None:
        repository.insert_entries(session, records.with_columns(import_batch_id=pl.lit(batch_id)))

    return run_import(
        session,
        kind="routes",
        path=path,
        now=now,
        chunk_rows=CHUNK_ROWS,
        check_names=rules.check_columns,
        validate=validate,
        write=write,
        errors_path=errors_path,
        progress=progress,
        can_skip=False,
    )


def _context(session: Session) -> rules.ImportContext:
    return rules.ImportContext(
        operators=frozenset(reference.operator_codes(session)),
        networks=frozenset(reference.networks(session)),
        routing_numbers=routing_numbers(get_settings().routing_numbers),
        sources=frozenset(s.value for s in RouteSource),
    )


def _validate(
    session: Session,
    frame: pl.DataFrame,
    rows: np.ndarray,
    ctx: rules.ImportContext,
    plan: NumberingPlan,
    first_row: dict[tuple[str, datetime], int],
) -> tuple[pl.DataFrame, list[RowError]]:
    """Split a chunk into records of ``routing_entries`` and the errors of its bad rows."""
    typed = rules.typed(frame, ctx).with_columns(_row=pl.Series(rows, dtype=pl.Int64))
    typed = plan.normalise_frame(typed, "number")
    forward = plan.normalise_frame(typed.select("forward_to"), "forward_to")
    typed = typed.with_columns(
        forward_e164=forward.get_column("e164"), forward_error=forward.get_column("number_error")
    )
    clean, errors = apply_checks(typed, rules.checks(ctx))
    clean, area_errors = _with_areas(session, clean)
    clean, duplicates = _drop_duplicates(session, clean, first_row)
    return clean.select(
        "area_code",
        pl.col("e164").alias("number"),
        pl.col("valid_from_v").alias("valid_from"),
        pl.col("operator_v").alias("operator_code"),
        pl.col("network_v").alias("network_code"),
        pl.col("routing_number_v").alias("routing_number"),
        pl.col("source_v").alias("source"),
        pl.col("forward_e164").alias("forward_to"),
        pl.col("forward_until_v").alias("forward_until"),
    ), [*errors, *area_errors, *duplicates]


def _with_areas(session: Session, clean: pl.DataFrame) -> tuple[pl.DataFrame, list[RowError]]:
    """Give each row its area code: a fixed-line number's own; for a mobile, the one it already
    has (number database, live line), else the file's."""
    area = pl.col("area_code")
    given = pl.when(area.str.starts_with("0")).then(area).otherwise(pl.lit("0") + area)
    mobiles = clean.filter(pl.col("number_area").is_null()).get_column("e164").unique()
    found = repository.known_areas(session, mobiles.to_list()) if len(mobiles) else {}
    clean = clean.with_columns(
        area_code=pl.coalesce(
            pl.col("number_area"),
            pl.col("e164").replace_strict(found, default=None, return_dtype=pl.String),
            pl.when(pl.col("area_code") != "").then(given),
        )
    )
    errors = [
        RowError(row, "area_code", "", f"{number}: {NO_AREA}")
        for row, number in clean.filter(pl.col("area_code").is_null())
        .select("_row", "number")
        .iter_rows()
    ]
    return clean.filter(pl.col("area_code").is_not_null()), errors


def _drop_duplicates(
    session: Session, clean: pl.DataFrame, first_row: dict[tuple[str, datetime], int]
) -> tuple[pl.DataFrame, list[RowError]]:
    """Refuse a (number, valid_from) the database holds or an earlier row of the file gave."""
    held = repository.existing_keys(session, clean.get_column("e164").unique().to_list())
    keep: list[bool] = []
    errors: list[RowError] = []
    for row, number, e164, moment in clean.select(
        "_row", "number", "e164", "valid_from_v"
    ).iter_rows():
        key = (e164, moment)
        if key in held:
            errors.append(
                RowError(
                    row,
                    "valid_from",
                    str(moment),
                    f"{number} already has an entry from this moment",
                )
            )
        elif key in first_row:
            reason = f"{number} has another entry from this moment (first at row {first_row[key]})"
            errors.append(RowError(row, "valid_from", str(moment), reason))
        else:
            first_row[key] = row
        keep.append(not errors or errors[-1].row != row)
    return clean.filter(pl.Series(keep, dtype=pl.Boolean)), errors
