"""`sunset sites status|credit|plan|impact`: base stations, their history, who loses service."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from sunset.db import default_engine, session_scope
from sunset.kit.money import format_yuan, parse_yuan
from sunset.sites.vocabulary import SiteStatus
from sunset.usecases import batch
from sunset.usecases import sites as service

from .common import (
    WorkersOption,
    acting,
    business_day,
    console,
    date_option,
    explained,
    month_option,
    now_for,
    print_json,
    today_option,
)

app = typer.Typer(help="Base stations: status history, switch-off plan, impact.")

SiteArg = Annotated[str, typer.Argument(help="The base station's id.")]
NAMES = {"site_id": "SITE", "status": "STATUS"}
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Date of the operation (YYYY-MM-DD); default today.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("status")
def status_command(
    site: SiteArg,
    status: Annotated[str, typer.Argument(help="on_air, faulty, off_air or dismantled.")],
    since: Annotated[str, typer.Option("--since", help="The day the status began (YYYY-MM-DD).")],
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a site's status from a day on; months already charged are credited for outages."""
    day, start = business_day(today), date_option(since, "--since")
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        done = service.record_status(
            session,
            acting(session),
            site_id=site,
            status=_status(status),
            since=start,
            today=day,
            now=now_for(day),
        )
    if as_json:
        print_json(done)
        return
    console.print(
        f"{done.site_id} ({done.area_code}): {done.status} from {done.since}; now "
        f"{done.current_status}. Outage credits written: {done.credits:,}."
    )


def _status(value: str) -> SiteStatus:
    try:
        return SiteStatus(value.strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in SiteStatus)
        raise typer.BadParameter(
            f"unknown site status {value!r} (known: {known})", param_hint="STATUS"
        ) from None


@app.command("credit")
def credit_command(
    first: Annotated[str, typer.Option("--from", help="First month to credit (YYYY-MM).")],
    last: Annotated[
        str | None, typer.Option("--to", help="Last month to credit (YYYY-MM); default this one.")
    ] = None,
    areas: Annotated[
        list[str] | None,
        typer.Option("--area", help="Only this local network (area code); repeat for more."),
    ] = None,
    today: TodayOption = None,
    workers: WorkersOption = None,
    as_json: JsonOption = False,
) -> None:
    """Credit every charged day lost to a home site out of service, month by month, in every
    local network: after a site history recorded late. A rerun writes nothing."""
    day = business_day(today)
    start = month_option(first, "--from")
    stop = month_option(last, "--to") if last else day.replace(day=1)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    engine = default_engine()
    with explained(as_json=as_json), session_scope(engine) as session:
        actor = acting(session)
    with (
        explained(as_json=as_json),
        Progress(*columns, console=console, transient=True, disable=as_json) as bar,
    ):
        task = bar.add_task("crediting")
        done = batch.credit_history(
            engine,
            actor,
            now=now_for(day),
            first=start,
            last=stop,
            today=day,
            area_codes=areas or None,
            workers=workers,
            progress=lambda a: bar.update(task, description=f"{a.area_code}: {a.entries:,}"),
        )
    if as_json:
        rows = [
            {"area_code": a.area_code, "entries": a.entries, "credited_yuan": format_yuan(a.fen)}
            for a in done
        ]
        print_json({"from": f"{start:%Y-%m}", "to": f"{stop:%Y-%m}", "areas": rows})
        return
    table = Table("local network", "credits written", "yuan")
    for area in done:
        table.add_row(area.area_code, f"{area.entries:,}", format_yuan(area.fen))
    console.print(table)
    total = sum(a.fen for a in done)
    console.print(
        f"{start:%Y-%m} to {stop:%Y-%m}: {sum(a.entries for a in done):,} outage credit(s), "
        f"{format_yuan(total)} yuan."
    )


@app.command("plan")
def plan_command(
    region: Annotated[str, typer.Option("--region", help="Local network (area code).")],
    budget: Annotated[
        str | None, typer.Option("--budget", help="Yuan available to move the lines affected.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Rank a region's serving sites for switch-off: upkeep per line, lines lost, saving."""
    with explained(as_json=as_json), session_scope() as session:
        budget_fen = None if budget is None else parse_yuan(budget, field="--budget")
        found = service.plan(session, acting(session), area_code=region, budget_fen=budget_fen)
    if as_json:
        print_json(found)
        return
    table = Table("#", "site", "upkeep/month", "lines", "per line", "cost", "saving/month", "ok")
    for s in found.sites:
        table.add_row(
            str(s.rank),
            s.site_id,
            s.monthly_upkeep,
            f"{s.live_lines:,}",
            s.upkeep_per_line,
            s.migration_cost,
            s.saving_per_month,
            "yes" if s.within_budget else "over budget",
        )
    console.print(table)
    console.print(f"Monthly saving as each site goes: {', '.join(found.monthly_saving) or '-'}")


@app.command("impact")
def impact_command(site: SiteArg, today: TodayOption = None, as_json: JsonOption = False) -> None:
    """List the live lines that lose service if the site goes off air, with flags and offers."""
    day = today_option(today)
    with explained(as_json=as_json), session_scope() as session:
        found = service.impact(session, acting(session), site_id=site, today=day)
    if as_json:
        print_json(found)
        return
    table = Table("number", "status", "vulnerable", "eligible offers")
    for line in found.lines:
        table.add_row(line.number, line.status, line.vulnerable, ", ".join(line.eligible_offers))
    console.print(table)
    console.print(
        f"{found.site_id}: {found.live_lines:,} live lines lose service, "
        f"{found.vulnerable_lines:,} of them vulnerable or critical."
    )
