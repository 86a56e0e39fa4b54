"""The one import loop: read a file in chunks, validate each with the domain's checks, write the
good rows with the domain's writer, log every bad row, and refuse the whole file if any is bad.

Lines, base stations and number-database entries all import through ``run_import``; what
differs is passed in: how the header is checked, how a chunk is validated (``validate``: clean
records and the errors of the bad rows) and how clean records are written (``write``). The
caller's transaction holds every row: a refusal or a crash leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from sunset.kit.pipeline import prefetch
from sunset.kit.rows import RowError

from .reader import Chunk, read_chunks
from .service import ErrorLog, ImportResult, refuse_if_empty, reject, start_batch


@dataclass
class Validated:
    """One chunk validated: its clean records, the errors of its bad rows, the rows it read."""

    records: pl.DataFrame
    errors: list[RowError]
    rows_read: int

    @classmethod
    def of(cls, chunk: Chunk, records: pl.DataFrame, errors: list[RowError]) -> Validated:
        """The outcome of validating ``chunk``: its unparsable rows' errors join the others, in
        row order."""
        found = sorted([*chunk.malformed, *errors], key=lambda e: e.row)
        return cls(records, found, chunk.frame.height + len(chunk.malformed))


Write = Callable[[pl.DataFrame, int], None]  # clean records, the import batch's id


def run_import(
    session: Session,
    *,
    kind: str,
    path: Path,
    now: datetime,
    chunk_rows: int,
    check_names: Callable[[list[str]], list[str]],
    validate: Callable[[Chunk], Validated],
    write: Write,
    skip_invalid: bool = False,
    errors_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
    overlap: bool = False,
    can_skip: bool = True,
    sha256: str | None = None,
) -> ImportResult:
    """Import ``path`` as a batch of ``kind``: every row or, if any is bad, none (unless
    ``skip_invalid``: then the good ones, the bad ones in the errors file).

    ``sha256``: the file's digest, if the caller has it already. ``overlap``: validate the
    next chunk in a background thread while this one is written (the lines' import, where both
    take seconds a chunk). ``can_skip``: whether the command offers ``--skip-invalid`` (its
    refusal says so).
    """
    ignored, chunks = read_chunks(path, chunk_rows=chunk_rows, check_names=check_names)
    batch = start_batch(session, kind=kind, path=path, now=now, sha256=sha256)
    result = ImportResult(batch_id=batch.id, ignored_columns=ignored)
    steps: Iterator[Validated] = (validate(chunk) for chunk in chunks)
    with ErrorLog(errors_path) as log:
        for step in prefetch(steps) if overlap else steps:
            result.rows_read += step.rows_read
            log.extend(step.errors)
            if log.count == 0 or skip_invalid:
                write(step.records, batch.id)
                result.imported += step.records.height
            if progress:
                progress(result.rows_read)
        result.rejected, result.errors = len(log.rows), log.first
    refuse_if_empty(result, file_name=path.name)
    if log.count and not skip_invalid:
        raise reject(log, file_name=path.name, can_skip=can_skip)
    batch.rows_imported, batch.rows_rejected = result.imported, result.rejected
    session.flush()
    return result
