"""`sunset route NUMBER` and `sunset numberdb export|import FILE`: the number database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated

import typer

from sunset.config import get_settings
from sunset.db import session_scope
from sunset.errors import DomainError, ImportRejectedError
from sunset.kit.numbers import display, plan_for
from sunset.kit.rows import RowError
from sunset.usecases import batch
from sunset.usecases import routing as service
from sunset.usecases.routing import RouteView

from .common import acting, console, explained, fail, print_json
from .imports import _show_errors

app = typer.Typer(help="The number database: export and import it as CSV.")
CHINA = timezone(timedelta(hours=8))
MOMENT_HELP = "Moment in Beijing time (UTC+8): YYYY-MM-DD[ HH:MM[:SS]]; default now."


def _number(raw: str) -> str:
    try:
        e164, _ = plan_for(get_settings().numbering_overlay).normalise(raw)
    except DomainError as exc:
        raise typer.BadParameter(exc.message, param_hint="NUMBER") from None
    return e164


def _moment(raw: str | None) -> datetime:
    if raw is None:
        return datetime.now(CHINA).replace(tzinfo=None, microsecond=0)
    try:
        return datetime.fromisoformat(raw.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{raw!r} is not a moment (YYYY-MM-DD[ HH:MM[:SS]], UTC+8)", param_hint="--at"
        ) from None


def _said(found: RouteView, at: datetime) -> str:
    where = f"{display(found.number)} at {at:%Y-%m-%d %H:%M} (UTC+8)"
    if not found.assigned:
        return f"{where}: unassigned; {found.note}."
    since = f"{found.valid_from:%Y-%m-%d %H:%M}" if found.valid_from else "?"
    how = "ported" if found.ported else f"from {found.source}"
    text = (
        f"{where}: {found.operator_code} {found.network_code}, routing number "
        f"{found.routing_number or '-'} ({how}, since {since})"
    )
    if found.forward_to:
        until = f" until {found.forward_until:%Y-%m-%d %H:%M}" if found.forward_until else ""
        text += f"; calls also ring on {display(found.forward_to)}{until}"
    return text + "."


def route_command(
    number: Annotated[str, typer.Argument(help="The number, e.g. 0551-62345678.")],
    at: Annotated[str | None, typer.Option("--at", help=MOMENT_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Tell which operator and network serve a number at a moment, ported or not."""
    e164, moment = _number(number), _moment(at)
    with explained(as_json=as_json), session_scope() as session:
        found = service.route(session, acting(session), number=e164, at=moment)
    if as_json:
        fields = {
            k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in found.model_dump(exclude={"at"}).items()
        }
        print_json({"at": moment.isoformat(), **fields})
    else:
        console.print(_said(found, moment), highlight=False)


@app.command("export")
def export_command(
    path: Annotated[Path, typer.Argument(help="CSV file to write.")],
) -> None:
    """Write every entry as CSV: number,operator,network,routing_number,valid_from,..."""
    with explained(), session_scope() as session:
        written = batch.export_routes(session, acting(session), path=path)
    console.print(f"Exported {written:,} entries to {path}.")


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="CSV (UTF-8/GBK) or Parquet file of entries.")],
    errors: Annotated[
        Path | None, typer.Option("--errors", help="Write every bad row to this CSV file.")
    ] = None,
) -> None:
    """Import entries from CSV; if any row is bad nothing is imported (exit 2)."""
    try:
        with session_scope(write=True) as session:
            result = batch.import_routes(
                session, acting(session), path=path, now=datetime.now(), errors_path=errors
            )
    except ImportRejectedError as exc:
        _show_errors([e for e in exc.errors if isinstance(e, RowError)], exc.error_count, errors)
        fail(exc, as_json=False)
    except DomainError as exc:
        fail(exc, as_json=False)
    console.print(
        f"Imported {result.imported:,} entries from {path.name} (batch {result.batch_id})."
    )


def register(root: typer.Typer) -> None:
    """Add `route` and `numberdb` to the top-level command."""
    root.command("route")(route_command)
    root.add_typer(app, name="numberdb")
