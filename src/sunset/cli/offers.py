"""`sunset offers|campaign build|migrate`: migration offers for a line, lists, the move."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from sunset.db import session_scope
from sunset.usecases import lines as lines_uc
from sunset.usecases import offers as offers_uc
from sunset.usecases import operations
from sunset.usecases.operations import MigrationRequest

from .common import acting, business_day, console, explained, now_for, print_json, today_option
from .operations import NAMES, JsonOption, KeyOption, NumberArg, TodayOption

campaign_app = typer.Typer(help="Campaign lists: every line an offer can go to.")
OfferArg = Annotated[str, typer.Argument(help="The offer's id (see `sunset offers NUMBER`).")]


def offers_command(
    number: NumberArg, today: TodayOption = None, as_json: JsonOption = False
) -> None:
    """List every offer for a line, eligible or not, with each failing condition in words."""
    with explained(as_json=as_json, names=NAMES), session_scope() as session:
        views = lines_uc.offers_for(
            session, acting(session), number=number, today=today_option(today)
        )
    if as_json:
        print_json([v.model_dump(mode="json") for v in views])
        return
    for v in views:
        mark = "[green]eligible[/]" if v.eligible else "[red]not eligible[/]"
        console.print(f"[bold]{v.id}[/] ({v.name}): {mark}", highlight=False)
        console.print(
            f"  -> {v.target}, plans {' / '.join(v.plans_yuan)} yuan, "
            f"{'same number' if v.keep_number else 'new number'}, handset subsidy "
            f"{v.handset_subsidy_yuan}, commitment {v.commitment_months} months",
            highlight=False,
        )
        for r in v.reasons:
            console.print(f"  - {r.code}: {r.message}", highlight=False)


@campaign_app.command("build")
def campaign_build_command(
    offer: OfferArg,
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the list of every line eligible for an offer (set-based over the whole base)."""
    day = today_option(today)
    columns = (SpinnerColumn(), TextColumn("{task.completed:,} lines"), TimeElapsedColumn())
    with (
        explained(as_json=as_json),
        session_scope() as session,
        Progress(*columns, console=console, transient=True, disable=as_json) as bar,
    ):
        task = bar.add_task("campaign")
        result = offers_uc.build_campaign(
            session,
            acting(session),
            offer_id=offer,
            today=day,
            out=out,
            progress=lambda n: bar.advance(task, n),
        )
    if as_json:
        print_json({"offer": offer, "day": str(day), "lines": result.lines, "path": str(out)})
    else:
        console.print(f"{result.lines:,} lines eligible for {offer} on {day}: written to {out}")


def migrate_command(
    number: NumberArg,
    offer: Annotated[str, typer.Option("--offer", help="The offer's id.")],
    plan: Annotated[
        str | None, typer.Option("--plan", help="Monthly fee in yuan, one of the offer's plans.")
    ] = None,
    new_number: Annotated[
        str | None,
        typer.Option("--new-number", help="The new line's number (offers that do not keep it)."),
    ] = None,
    key: KeyOption = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a line to an offer's network: new line, whole balance moved, old line migrated."""
    request = MigrationRequest(
        number=number,
        offer_id=offer,
        key=key or f"migrate-{uuid.uuid4()}",
        plan_yuan=plan,
        new_number=new_number,
    )
    day = business_day(today)
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        view = operations.migrate(
            session, acting(session), request=request, today=day, now=now_for(day)
        )
    if as_json:
        print_json({"refused": False, **view.model_dump(mode="json")})
        return
    table = Table("", "", show_header=False)
    for field, value in view.model_dump().items():
        table.add_row(field.replace("_", " "), "" if value is None else str(value))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the offer commands to the main app."""
    app.command("offers")(offers_command)
    app.add_typer(campaign_app, name="campaign")
    app.command("migrate")(migrate_command)
