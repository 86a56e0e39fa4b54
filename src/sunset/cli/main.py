"""The `sunset` command: thin commands over the services; each owns its transaction."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from sunset.config import Settings, get_settings
from sunset.db import default_engine, session_scope, upgrade
from sunset.usecases import status as status_uc

from . import (
    approvals,
    board,
    care,
    cluster,
    cycle,
    demo,
    imports,
    ledger,
    offers,
    operations,
    plans,
    porting,
    routing,
    sites,
    stats,
    web,
)
from .common import (
    EXIT_INVALID,
    EXIT_VIOLATION,
    act_as,
    acting,
    console,
    err_console,
    explained,
    print_json,
    today_option,
    working,
)

app = typer.Typer(
    help="sunset: retire a legacy access network without losing anyone's money or number.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _read_settings(
    acting_as: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="SUNSET_ACTOR",
            help="The account this command acts as (its role, operator and limits; audited "
            "under its name). Default: the operating system's user, an administrator recorded "
            "as os:<user>.",
        ),
    ] = None,
) -> None:
    # Before any command: a SUNSET_* variable that is not what it must be is refused by name
    # (exit 2, nothing done), not met as a traceback halfway through the command.
    act_as(acting_as)
    try:
        get_settings()
    except ValidationError as exc:
        prefix = Settings.model_config.get("env_prefix", "")
        for error in exc.errors():
            name = prefix + ".".join(str(part) for part in error["loc"]).upper()
            err_console.print(f"{name}={error.get('input')!r}: {error['msg']}")
        raise typer.Exit(EXIT_INVALID) from None


db_app = typer.Typer(help="The database: schema migrations.")
app.add_typer(db_app, name="db")
app.add_typer(imports.app, name="import")
app.add_typer(plans.app, name="plan")
app.add_typer(porting.app, name="port")
app.add_typer(sites.app, name="sites")
app.add_typer(care.app, name="complaint")
offers.register(app)
operations.register(app)
cycle.register(app)
board.register(app, cycle.notice_app)
routing.register(app)
stats.register(app)
web.register(app)
approvals.register(app)
ledger.register(app)
cluster.register(app)
app.command("demo")(demo.demo_command)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (a fresh database is migrated automatically too)."""
    upgrade(default_engine())
    console.print("The database schema is up to date.")


@app.command("status")
def status_command(
    as_json: JsonOption = False,
    today: Annotated[
        str | None, typer.Option("--today", help="Day the bands are judged on; default today.")
    ] = None,
) -> None:
    """Show lines by operator, network, local network and status, the money, the cleared bands."""
    with explained(as_json=as_json), session_scope() as session:
        report = status_uc.status(session, acting(session), today=today_option(today))
    if as_json:
        print_json(report)
        return
    table = Table("area", "city", "network", "operator", "status", "lines")
    for g in report.lines.groups:
        table.add_row(g.area_code, g.city, g.network, g.operator, g.status, f"{g.lines:,}")
    console.print(table)
    console.print(f"Lines: {report.lines.total:,} in all, {report.lines.live:,} live.")
    money = report.money
    console.print(
        f"Money (yuan): opening balances {money.opening_balances}, top-ups {money.top_ups}, "
        f"charges {money.charges}, credits {money.credits}, refunds {money.refunds}, "
        f"transfers in {money.transfers_in}, out {money.transfers_out}; "
        f"balances {money.balances} (`sunset verify` proves them line by line)."
    )
    for band in report.bands:
        state = "cleared" if band.cleared else f"{band.on_air:,} of {band.sites:,} sites serving"
        console.print(f"Band {band.network} in {band.area_code}: {state}.")


@app.command("verify")
def verify_command(as_json: JsonOption = False) -> None:
    """Check every invariant of money and numbers; exit 4 naming each violation."""
    with (
        explained(as_json=as_json),
        working("Checking every invariant of money and numbers"),
        session_scope() as session,
    ):
        violations = status_uc.verify(session, acting(session))
    if as_json:
        print_json({"ok": not violations, "violations": [v.__dict__ for v in violations]})
    elif not violations:
        console.print("All invariants hold: money is conserved and every number is accounted for.")
    for v in [] if as_json else violations:
        err_console.print(f"[bold red]{v.code}[/]: {v.message}", highlight=False)
        for example in v.examples:
            err_console.print(f"  - {example}", highlight=False)
    if violations:
        raise typer.Exit(EXIT_VIOLATION)
