"""What every command shares: the console, dates, domain errors to exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sunset.errors import DomainError, ImportRejectedError, InputInvalidError, NotFoundError
from sunset.stats.rules import parse_month

console = Console()
err_console = Console(stderr=True)

EXIT_INVALID = 2  # bad input: nothing was changed
EXIT_REFUSED = 3  # a rule refused the operation: nothing was changed
EXIT_VIOLATION = 4  # `verify` found broken invariants

WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=0,
        help="Local networks worked on at once on PostgreSQL, each in its own connection "
        "(default: SUNSET_BATCH_WORKERS; 0: one per CPU core). Always one on SQLite.",
    ),
]


def date_option(value: str, option: str) -> date:
    """Parse a date option, naming the option when it is not a date."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def month_option(value: str, option: str) -> date:
    """Parse a month option (YYYY-MM) into its first day, naming the option when it is not one."""
    try:
        return parse_month(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a month (YYYY-MM)", param_hint=option) from None


def today_option(value: str | None) -> date:
    """Parse ``--today`` (default: the real date)."""
    return date.today() if value is None else date_option(value, "--today")


def now_for(day: date) -> datetime:
    """Return a timestamp on ``day`` (the real time when it is today)."""
    now = datetime.now()
    return now if day == now.date() else datetime.combine(day, now.time())


def print_json(payload: Any) -> None:
    """Print a model or plain data as JSON on standard output."""
    if isinstance(payload, BaseModel):
        sys.stdout.write(payload.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(exc: DomainError, *, as_json: bool) -> NoReturn:
    """Explain a domain error and exit: 2 for bad input or an unknown thing, 3 for a refusal."""
    invalid = isinstance(exc, InputInvalidError | ImportRejectedError | NotFoundError)
    if as_json:
        print_json({"refused": True, "code": exc.code, "message": exc.message})
    else:
        err_console.print(f"[bold red]{exc.code}[/]: {exc.message}", highlight=False)
    raise typer.Exit(EXIT_INVALID if invalid else EXIT_REFUSED)


@contextmanager
def explained(*, as_json: bool = False) -> Iterator[None]:
    """Turn domain errors raised inside the block into an explanation and an exit status."""
    try:
        yield
    except DomainError as exc:
        fail(exc, as_json=as_json)


Callback = Callable[[int], None]


def now_option(value: str | None, option: str = "--now") -> datetime:
    """Parse a moment option (YYYY-MM-DDTHH:MM or 'YYYY-MM-DD HH:MM'; default: now)."""
    if value is None:
        return datetime.now().replace(microsecond=0)
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a moment (YYYY-MM-DDTHH:MM)", param_hint=option
        ) from None


@contextmanager
def working(label: str) -> Iterator[Callable[[str], None]]:
    """Show a spinner, ``label`` and the time elapsed on standard error while a long step runs;
    yield a function that says what it is doing now (gone when the step ends)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda now: bar.update(task, description=f"{label}: {now}")
