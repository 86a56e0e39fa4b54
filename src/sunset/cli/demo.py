"""`sunset demo`: the story of DOMAIN.md on a synthetic operator, month by month, then verify;
it ends by telling what happened and where to look next."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import Engine

from sunset.db import default_engine, reset, session_scope, synced_at_end
from sunset.reference import repository as reference
from sunset.synth import scenario
from sunset.synth.operations import BACK_OFFICE
from sunset.synth.story import MonthDone, Story, tell
from sunset.usecases import status as status_uc

from .common import EXIT_REFUSED, EXIT_VIOLATION, console, err_console, working

SHOWN_MONTHS = (
    "2011-03",
    "2011-06",
    "2011-09",
    "2011-12",
    "2012-03",
    "2012-06",
    "2012-09",
    "2012-12",
)


def demo_command(
    lines: Annotated[int, typer.Option("--lines", min=1, help="How many lines.")] = 150_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 2011,
    reset_db: Annotated[
        bool, typer.Option("--reset", help="Empty the database first (deletes everything in it).")
    ] = False,
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Keep the generated CSV files in this folder.")
    ] = None,
) -> None:
    """Generate a synthetic PHS operator, set the plans of DOMAIN.md, run 2011-2012, verify."""
    started = time.perf_counter()
    engine = reset() if reset_db else default_engine()
    with session_scope(engine) as session:
        existing = status_uc.lines_held(session, BACK_OFFICE)
        cities = {code: n.city_en for code, n in reference.local_networks(session).items()}
    if existing:
        err_console.print(
            f"The database already holds {existing:,} lines. Run `sunset demo --reset` to replace "
            "them with a fresh demo (this deletes everything in the database)."
        )
        raise typer.Exit(EXIT_REFUSED)
    # A fresh database, filled: synced to disk once, at the end (a crash of the machine midway
    # means `sunset demo --reset` again).
    with synced_at_end(engine):
        with (
            working(f"Generating {lines:,} PHS lines and importing them"),
            tempfile.TemporaryDirectory() as tmp,
        ):
            demo = scenario.load(engine, keep or Path(tmp), lines=lines, seed=seed)
        loaded = demo.loaded
        console.print(
            f"Imported {loaded.lines:,} PHS lines, {loaded.sites:,} base stations and "
            f"{loaded.opening_entries:,} opening balances as of {scenario.EXPORTED_ON}; "
            f"{loaded.plans} retirement plans set. Natural leaving fitted on the national series: "
            f"{demo.behaviour.national_rate:.1%} a month (2009-2012).",
            highlight=False,
        )
        story = _play(engine, demo)
    _print_regions(story, cities)
    with (
        working("Verifying every invariant of money and numbers"),
        session_scope(engine) as session,
    ):
        violations = status_uc.verify(session, BACK_OFFICE)
    _tell(story, cities)
    for v in violations:
        err_console.print(f"[bold red]{v.code}[/]: {v.message}", highlight=False)
    console.print(
        "verify: all invariants hold."
        if not violations
        else f"verify: {len(violations)} violation(s)!"
    )
    console.print(f"Demo done in {time.perf_counter() - started:.1f} s.", highlight=False)
    _next_steps()
    if violations:
        raise typer.Exit(EXIT_VIOLATION)


def _play(engine: Engine, demo: scenario.Demo) -> Story:
    columns = (
        TextColumn("[bold]Playing 2011-2012[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("months"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("", total=len(scenario.months()))

        def on_month(done: MonthDone) -> None:
            console.print(_month_line(done), highlight=False)
            bar.update(task, advance=1, description=f"{done.month:%Y-%m}: {done.live:,} PHS lines")

        return scenario.play(engine, demo, on_month=on_month)


def _month_line(done: MonthDone) -> str:
    """One month in a line of 80 columns; suspensions and refunds are in the closing story."""
    return (
        f"{done.month:%Y-%m}: {done.live:>7,} PHS; left {done.given_up:,} given up,"
        f" {done.migrated:,} migrated, {done.ported:,} ported, {done.cycle.switched_off:,} off"
    )


def _print_regions(story: Story, cities: dict[str, str]) -> None:
    live: dict[str, dict[str, int]] = {}
    for done in story.months:
        for area, count in done.by_area.items():
            live.setdefault(area, {})[f"{done.month:%Y-%m}"] = count
    table = Table("region", *SHOWN_MONTHS, title="PHS lines by region", title_justify="left")
    for area in sorted(live, key=lambda a: cities.get(a, a)):
        table.add_row(
            f"{cities.get(area, area)} ({area})",
            *(f"{live[area].get(m, 0):,}" for m in SHOWN_MONTHS),
        )
    console.print(table)


def _tell(story: Story, cities: dict[str, str]) -> None:
    """Tell what the demo did: who left how, what was refunded, credited and ported."""
    title, *rest = tell(story, cities)
    console.print(f"\n[bold]{title}[/]", highlight=False)
    for line in rest:
        console.print(line, highlight=False)


def _next_steps() -> None:
    console.print(
        "\n[bold]Where to look next[/]\n"
        "  .venv/bin/sunset status --today 2012-12-31      lines, money, cleared bands\n"
        "  .venv/bin/sunset stats --by region              PHS lines by region and month\n"
        "  .venv/bin/sunset report --month 2012-12 --out report    the regulator's report\n"
        "  in a browser: .venv/bin/sunset user add me --role regulator   (asks for a password)\n"
        f"                .venv/bin/sunset serve --today {scenario.LAST_DAY}\n"
        "                then open http://127.0.0.1:8000/app/ (the API's documentation: /docs)",
        highlight=False,
    )
