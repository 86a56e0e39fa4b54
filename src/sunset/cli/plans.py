"""`sunset plan set|show|list|import`: the retirement plan of each local network."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from sunset.db import session_scope
from sunset.errors import DomainError, InputInvalidError
from sunset.usecases import plans as service
from sunset.usecases.plans import KEEP, PlanView

from .common import (
    acting,
    console,
    date_option,
    err_console,
    explained,
    now_for,
    print_json,
    today_option,
)

app = typer.Typer(help="Retirement plans: dated phases per local network and network.")

NetworkOption = Annotated[str, typer.Option("--network", help="Network (technology).")]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Date (YYYY-MM-DD); default today.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _phase_date(value: str | None, option: str) -> date | str | None:
    if value is None:
        return "keep"
    if value.lower() in ("none", "-", ""):
        return None
    return date_option(value, option)


def _show(view: PlanView, *, as_json: bool) -> None:
    if as_json:
        print_json(view)
        return
    table = Table(
        "phase", "starts on", "", title=f"{view.city}: {view.network}", title_justify="left"
    )
    for phase in view.phases:
        mark = "<- in force" if phase.phase == view.current_phase else ""
        table.add_row(phase.label, str(phase.starts_on or "-"), mark)
    console.print(table)
    if view.degrade_on:
        console.print(f"Outgoing calls barred (emergency numbers excepted) from {view.degrade_on}")
    if view.deadline:
        console.print(f"Regulator's deadline: {view.deadline}")
    for warning in view.warnings:
        err_console.print(f"[yellow]warning[/]: {warning}", highlight=False)


@app.command("set")
def set_command(
    area_code: Annotated[str, typer.Argument(help="Area code of the local network, e.g. 0565.")],
    network: NetworkOption = "phs",
    announced: Annotated[str | None, typer.Option(help="Date, or 'none' to skip.")] = None,
    no_new_sales: Annotated[str | None, typer.Option(help="Date, or 'none' to skip.")] = None,
    topups_refused: Annotated[str | None, typer.Option(help="Date, or 'none' to skip.")] = None,
    switched_off: Annotated[str | None, typer.Option(help="Date, or 'none' to skip.")] = None,
    cleared: Annotated[str | None, typer.Option(help="Date, or 'none' to skip.")] = None,
    degrade_on: Annotated[
        str | None,
        typer.Option(help="Bar outgoing calls except emergency numbers from this date ('none')."),
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who makes the change.")] = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set or change phase dates; refused (exit 3) if out of order, too short, or in the past."""
    day = today_option(today)
    given = {
        "announced": _phase_date(announced, "--announced"),
        "no_new_sales": _phase_date(no_new_sales, "--no-new-sales"),
        "topups_refused": _phase_date(topups_refused, "--topups-refused"),
        "switched_off": _phase_date(switched_off, "--switched-off"),
        "cleared": _phase_date(cleared, "--cleared"),
    }
    changes = {k: v for k, v in given.items() if v != "keep"}
    degrade = _phase_date(degrade_on, "--degrade-on")
    with (
        explained(as_json=as_json, names={"area_code": "AREA"}),
        session_scope(write=True) as session,
    ):
        # Every dated phase publishes its public notice (once per phase and date).
        view = service.set_plan(
            session,
            acting(session),
            area_code=area_code,
            network=network,
            changes=changes,  # type: ignore[arg-type]
            today=day,
            now=now_for(day),
            by=by,
            degrade_on=KEEP if degrade == "keep" else degrade,  # type: ignore[arg-type]
        )
    _show(view, as_json=as_json)


@app.command("show")
def show_command(
    area_code: Annotated[str, typer.Argument(help="Area code of the local network.")],
    network: NetworkOption = "phs",
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a plan's phases and the one in force."""
    with explained(as_json=as_json), session_scope() as session:
        view = service.show_plan(
            session,
            acting(session),
            area_code=area_code,
            network=network,
            today=today_option(today),
        )
    _show(view, as_json=as_json)


@app.command("list")
def list_command(today: TodayOption = None, as_json: JsonOption = False) -> None:
    """List every plan with the phase in force."""
    with session_scope() as session:
        views = service.list_plans(session, acting(session), today=today_option(today))
    if as_json:
        print_json([v.model_dump(mode="json") for v in views])
        return
    table = Table(
        "area", "network", "phase in force", *(p.phase for p in views[0].phases) if views else ()
    )
    for v in views:
        table.add_row(
            v.city, v.network, v.current_phase, *(str(p.starts_on or "-") for p in v.phases)
        )
    console.print(table)


def read_plan_file(path: Path) -> list[dict[str, object]]:
    """Read plans from YAML (a list, or {plans: [...]}) or CSV (one plan a row)."""
    if not path.exists():
        raise InputInvalidError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return [{k.strip(): v for k, v in row.items()} for row in csv.DictReader(text.splitlines())]
    data = yaml.safe_load(text)
    if isinstance(data, dict):
        data = data.get("plans")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InputInvalidError(f"{path.name}: expected a list of plans (or 'plans: [...]')")
    return data


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="YAML or CSV file of plans.")],
    by: Annotated[str | None, typer.Option("--by", help="Who makes the change.")] = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set many plans from a file; all or none (exit 3 naming every refused entry)."""
    day = today_option(today)
    try:
        rows = read_plan_file(path)
    except (DomainError, yaml.YAMLError) as exc:
        raise typer.BadParameter(str(exc)) from None
    with explained(as_json=as_json), session_scope(write=True) as session:
        views = service.import_plans(
            session, acting(session), rows=rows, today=day, now=now_for(day), by=by
        )
    if as_json:
        print_json([v.model_dump(mode="json") for v in views])
        return
    console.print(f"Imported {len(views)} plan(s).")
    for view in views:
        for warning in view.warnings:
            err_console.print(f"[yellow]warning[/] {view.city}: {warning}", highlight=False)
