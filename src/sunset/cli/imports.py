"""`sunset import lines|sites FILE`: bulk import with a progress bar; all rows or none."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sunset.db import default_engine, refresh_statistics, session_scope
from sunset.errors import DomainError, ImportRejectedError
from sunset.ingest.reader import estimate_rows
from sunset.ingest.service import ImportResult
from sunset.kit.rows import RowError
from sunset.usecases import batch

from .common import acting, business_day, console, err_console, fail, now_for

app = typer.Typer(help="Import operators' exports (CSV in UTF-8 or GBK, or Parquet).")
SHOWN_ERRORS = 50

ErrorsOption = Annotated[
    Path | None, typer.Option("--errors", help="Write every bad row to this CSV file.")
]
SkipOption = Annotated[
    bool,
    typer.Option("--skip-invalid", help="Import the good rows; bad rows go to --errors."),
]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Import date (YYYY-MM-DD); default: today.")
]


@contextmanager
def _progress(path: Path, label: str) -> Iterator[Callable[[int], None]]:
    total = estimate_rows(path)
    columns = (
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>9,.0f} rows/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=total, rate=0.0)

        def update(rows: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = rows / elapsed if elapsed > 0 else 0.0
            bar.update(task, completed=rows, total=max(total or 0, rows), rate=rate)

        yield update


def _show_errors(errors: list[RowError], count: int, errors_path: Path | None) -> None:
    table = Table("row", "column", "value", "reason", title="Rejected rows", title_justify="left")
    for error in errors[:SHOWN_ERRORS]:
        table.add_row(str(error.row), error.column, error.value, error.reason)
    err_console.print(table)
    if count > SHOWN_ERRORS:
        where = f"all of them are in {errors_path}" if errors_path else "use --errors FILE"
        err_console.print(f"... and {count - SHOWN_ERRORS} more problem(s) ({where}).")


def _report(kind: str, path: Path, result: ImportResult, errors_path: Path | None) -> None:
    if result.ignored_columns:
        err_console.print(f"Ignored unknown column(s): {', '.join(result.ignored_columns)}")
    if result.errors:
        _show_errors(result.errors, len(result.errors), errors_path)
    console.print(
        f"Imported {result.imported:,} {kind} from {path.name} (batch {result.batch_id}); "
        f"{result.rejected:,} row(s) rejected"
        + (
            f"; {result.opening_entries:,} opening balances in the ledger"
            if kind == "lines"
            else ""
        )
        + (f"; rejects written to {errors_path}" if errors_path and result.rejected else "")
        + "."
    )


def _run(kind: str, path: Path, today: str | None, skip: bool, errors: Path | None) -> None:
    day = business_day(today)
    job = batch.import_lines if kind == "lines" else batch.import_sites
    try:
        with _progress(path, f"Importing {kind}") as progress, session_scope(write=True) as session:
            result = job(
                session,
                acting(session),
                path=path,
                today=day,
                now=now_for(day),
                skip_invalid=skip,
                errors_path=errors,
                progress=progress,
            )
    except ImportRejectedError as exc:
        rows = [e for e in exc.errors if isinstance(e, RowError)]
        if rows:
            _show_errors(rows, exc.error_count, errors)
        fail(exc, as_json=False)
    except DomainError as exc:
        fail(exc, as_json=False)
    if kind == "lines" and result.imported:
        refresh_statistics(default_engine(), ["lines", "customers", "ledger_entries"])
    _report(kind, path, result, errors)


@app.command("lines")
def lines_command(
    path: Annotated[Path, typer.Argument(help="CSV (UTF-8/GBK) or Parquet file of lines.")],
    errors: ErrorsOption = None,
    skip_invalid: SkipOption = False,
    today: TodayOption = None,
) -> None:
    """Import subscriber lines; if any row is bad nothing is imported (exit 2)."""
    _run("lines", path, today, skip_invalid, errors)


@app.command("sites")
def sites_command(
    path: Annotated[Path, typer.Argument(help="CSV (UTF-8/GBK) or Parquet file of sites.")],
    errors: ErrorsOption = None,
    skip_invalid: SkipOption = False,
    today: TodayOption = None,
) -> None:
    """Import base stations; if any row is bad nothing is imported (exit 2)."""
    _run("sites", path, today, skip_invalid, errors)
