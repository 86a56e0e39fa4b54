"""`sunset demo`: the story of DOMAIN.md on a synthetic operator, month by month, then verify."""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine

from sunset.cycle.daily import CycleReport
from sunset.db import default_engine, reset, session_scope
from sunset.integrity.service import verify
from sunset.kit.money import format_yuan
from sunset.lines.repository import count_lines
from sunset.reference import repository as reference
from sunset.synth import scenario

from .common import EXIT_REFUSED, EXIT_VIOLATION, console, err_console

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
        existing = count_lines(session)
    if existing:
        err_console.print(
            f"The database already holds {existing:,} lines. Run `sunset demo --reset` to replace "
            "them with a fresh demo (this deletes everything in the database)."
        )
        raise typer.Exit(EXIT_REFUSED)
    with tempfile.TemporaryDirectory() as tmp:
        loaded = scenario.load(engine, keep or Path(tmp), lines=lines, seed=seed)
    console.print(
        f"Imported {loaded.lines:,} PHS lines, {loaded.sites:,} base stations and "
        f"{loaded.opening_entries:,} opening balances as of {scenario.EXPORTED_ON}; "
        f"{loaded.plans} retirement plans set."
    )
    live: dict[str, dict[str, int]] = defaultdict(dict)

    def on_month(month: date, report: CycleReport, migrated: int) -> None:
        totals: dict[str, int] = defaultdict(int)
        for area, stats in report.months.get(f"{month:%Y-%m}", {}).items():
            live[area][f"{month:%Y-%m}"] = stats.live_at_end or 0
            for name in ("suspended", "switched_off", "refunds", "refunded_fen", "charges"):
                totals[name] += getattr(stats, name)
        console.print(
            f"{month:%Y-%m}: {sum(v.get(f'{month:%Y-%m}', 0) for v in live.values()):>8,} live"
            f" | charged {totals['charges']:>7,} | suspended {totals['suspended']:>6,}"
            f" | off {totals['switched_off']:>6,} | refunds {totals['refunds']:>5,}"
            f" ({format_yuan(totals['refunded_fen'])} yuan) | migrated {migrated:,}",
            highlight=False,
        )

    scenario.play(engine, on_month=on_month, seed=seed)
    _print_regions(engine, live)
    with session_scope(engine) as session:
        violations = verify(session)
    for v in violations:
        err_console.print(f"[bold red]{v.code}[/]: {v.message}", highlight=False)
    console.print(
        "verify: all invariants hold."
        if not violations
        else f"verify: {len(violations)} violation(s)!"
    )
    console.print(f"Demo done in {time.perf_counter() - started:.1f} s. Try `sunset status`.")
    console.print(
        "See it in a browser: add yourself an account, then serve the demo as of its last day:\n"
        "  .venv/bin/sunset user add me --role regulator   (asks for a password)\n"
        f"  .venv/bin/sunset serve --today {scenario.LAST_DAY}\n"
        "and open http://127.0.0.1:8000/app/ (the API's documentation is at /docs).",
        highlight=False,
    )
    if violations:
        raise typer.Exit(EXIT_VIOLATION)


def _print_regions(engine: Engine, live: dict[str, dict[str, int]]) -> None:
    with session_scope(engine) as session:
        cities = {code: n.city_en for code, n in reference.local_networks(session).items()}
    table = Table("region", *SHOWN_MONTHS, title="Live lines by region", title_justify="left")
    for area in sorted(live, key=lambda a: cities.get(a, a)):
        table.add_row(
            f"{cities.get(area, area)} ({area})",
            *(f"{live[area].get(m, 0):,}" for m in SHOWN_MONTHS),
        )
    console.print(table)
