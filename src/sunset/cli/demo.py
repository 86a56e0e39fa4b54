"""`sunset demo`: a synthetic operator imported through the real import path, then its status."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select

from sunset.db import default_engine, reset, session_scope
from sunset.integrity.service import verify
from sunset.lines.jobs import import_lines
from sunset.lines.models import Line
from sunset.sites.jobs import import_sites
from sunset.synth.generator import write_base

from .common import EXIT_REFUSED, console, err_console, now_for

# The synthetic base is exported on the last day before the story of DOMAIN.md starts.
DEMO_TODAY = date(2010, 12, 31)


def demo_command(
    lines: Annotated[int, typer.Option("--lines", min=1, help="How many lines.")] = 300_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 2011,
    reset_db: Annotated[
        bool, typer.Option("--reset", help="Empty the database first (deletes everything in it).")
    ] = False,
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Keep the generated CSV files in this folder.")
    ] = None,
) -> None:
    """Generate a synthetic PHS operator, import it, and print the status report."""
    started = time.perf_counter()
    engine = reset() if reset_db else default_engine()
    with session_scope(engine) as session:
        existing = session.scalar(select(func.count()).select_from(Line)) or 0
    if existing:
        err_console.print(
            f"The database already holds {existing:,} lines. Run `sunset demo --reset` to replace "
            "them with a fresh demo (this deletes everything in the database)."
        )
        raise typer.Exit(EXIT_REFUSED)
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        base = write_base(folder, lines=lines, seed=seed, today=DEMO_TODAY)
        console.print(
            f"Generated {base.lines:,} PHS lines and {base.sites:,} base stations (seed {seed})."
        )
        with session_scope(engine) as session:
            import_sites(session, path=base.sites_path, today=DEMO_TODAY, now=now_for(DEMO_TODAY))
            result = import_lines(
                session, path=base.lines_path, today=DEMO_TODAY, now=now_for(DEMO_TODAY)
            )
    console.print(
        f"Imported {result.imported:,} lines ({result.opening_entries:,} opening balances)."
    )
    from sunset.cli.main import status_command

    status_command(as_json=False)
    with session_scope(engine) as session:
        violations = verify(session)
    console.print(
        "verify: all invariants hold."
        if not violations
        else f"verify: {len(violations)} violation(s)!"
    )
    console.print(
        f"Demo done in {time.perf_counter() - started:.1f} s. Try `sunset status --json`."
    )
