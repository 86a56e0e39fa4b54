"""What every command shares: the console, dates, domain errors to exit codes."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from sunset.access.rules import Actor
from sunset.errors import DomainError, ImportRejectedError, InputInvalidError, NotFoundError
from sunset.stats.rules import parse_month
from sunset.usecases.accounts import cli_actor

console = Console()
err_console = Console(stderr=True)

EXIT_INVALID = 2  # bad input: nothing was changed
EXIT_REFUSED = 3  # a rule refused the operation: nothing was changed
EXIT_VIOLATION = 4  # `verify` found broken invariants
EXIT_HELD = 5  # held for a second person's approval: nothing applied yet

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


def business_day(value: str | None) -> date:
    """Parse the ``--today`` of a write: a day that has come, never one in the future (a top-up
    post-dated to 9999-12-31 would never meet its month-end)."""
    day = today_option(value)
    if day > date.today():
        raise typer.BadParameter(
            f"{day} is in the future (today is {date.today()}): date a write when it happens",
            param_hint="--today",
        )
    return day


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


def flag_of(field: str, names: Mapping[str, str] | None = None) -> str:
    """Say a use case's field as this command line does: ``plan`` is ``--plan``, a positional
    argument its name in capitals (``names`` gives those and any other exception)."""
    return (names or {}).get(field) or "--" + field.replace("_", "-")


def describe(exc: DomainError, names: Mapping[str, str] | None = None) -> str:
    """Return a domain error's message with its field named as this command line names it."""
    if exc.field is None:
        return exc.message
    shown = flag_of(exc.field, names)
    if exc.message.startswith(f"{exc.field}:"):
        return shown + exc.message[len(exc.field) :]
    return f"{shown}: {exc.message}"


def fail(exc: DomainError, *, as_json: bool, names: Mapping[str, str] | None = None) -> NoReturn:
    """Explain a domain error and exit: 2 for bad input or an unknown thing, 3 for a refusal."""
    invalid = isinstance(exc, InputInvalidError | ImportRejectedError | NotFoundError)
    message = describe(exc, names)
    if as_json:
        body: dict[str, Any] = {"refused": True, "code": exc.code, "message": message}
        if exc.field is not None:
            body["field"] = flag_of(exc.field, names)
        if exc.details is not None:
            body["details"] = exc.details
        print_json(body)
    else:
        err_console.print(f"[bold red]{exc.code}[/]: {message}", highlight=False)
    raise typer.Exit(EXIT_INVALID if invalid else EXIT_REFUSED)


@contextmanager
def explained(*, as_json: bool = False, names: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn domain errors raised inside the block into an explanation and an exit status;
    ``names``: how this command says the use case's fields that are not ``--field``."""
    try:
        yield
    except DomainError as exc:
        fail(exc, as_json=as_json, names=names)


# Who runs this command: the account named by --as (or SUNSET_ACTOR), else the operating
# system's user. Set once by the top-level callback, resolved in each command's session.
_acting_as: list[str | None] = [None]


def act_as(name: str | None) -> None:
    """Remember the account the command acts as (None: the operating system's user)."""
    _acting_as[0] = name


def acting(session: Session) -> Actor:
    """Return who runs this command, checked against the accounts."""
    return cli_actor(session, name=_acting_as[0], os_user=_os_user())


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


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
