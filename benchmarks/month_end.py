"""Benchmark one month-end of the cycle over a whole base, beside a bare set-based UPDATE.

    .venv/bin/python benchmarks/month_end.py --database sqlite:///benchmarks/out/bench-import.db

Runs the cycle for exactly one month-end (2011-01-31) in every local network of a database that
holds an imported base (benchmarks/import_lines.py leaves one in benchmarks/out/), then, on a
copy of 2,000,000 of its rows, a bare `UPDATE lines SET balance_fen = balance_fen - 1` for the
rate the issue compares against. Prints seconds, lines/s, the ratio and the peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date

from sqlalchemy import func, select, text
from timing import print_statements, time_statements

from sunset.cycle.daily import run_cycle
from sunset.db import make_engine, session_scope
from sunset.lines.models import Line
from sunset.lines.vocabulary import LIVE_STATUSES

MONTH_END = date(2011, 1, 31)
BARE_ROWS = 2_000_000


def bare_update_rate(url: str) -> float:
    """Rows/s of a bare set-based UPDATE over (up to) BARE_ROWS lines (rolled back)."""
    engine = make_engine(url, migrate=False)
    with engine.connect() as conn:
        started = time.perf_counter()
        updated = conn.execute(
            text("UPDATE lines SET balance_fen = balance_fen - 1 WHERE id <= :n"), {"n": BARE_ROWS}
        ).rowcount
        seconds = time.perf_counter() - started
        conn.rollback()
    engine.dispose()
    return updated / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of an imported base")
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument("--statements", type=int, default=0, help="print the N slowest SQL")
    parser.add_argument(
        "--month-end",
        type=date.fromisoformat,
        default=MONTH_END,
        help="the month-end to run (default 2011-01-31; a later one runs after the earlier ones)",
    )
    args = parser.parse_args()
    engine = make_engine(args.database)
    statements = time_statements(engine) if args.statements else {}
    with session_scope(engine) as session:
        live = session.scalar(
            select(func.count()).select_from(Line).where(Line.status.in_(LIVE_STATUSES))
        )
    started = time.perf_counter()
    report = run_cycle(engine, until=args.month_end, start=args.month_end)
    seconds = time.perf_counter() - started
    charges = sum(s.charges for areas in report.months.values() for s in areas.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = (live or 0) / seconds
    print(
        f"month-end {args.month_end}: {live:,} live lines, {charges:,} charges, {seconds:,.1f} s, "
        f"{rate:,.0f} lines/s, peak RSS {peak:,.0f} MiB"
    )
    engine.dispose()
    if args.statements:
        print_statements(statements, args.statements)
    if not args.skip_bare:
        bare = bare_update_rate(args.database)
        print(f"bare set-based UPDATE of {BARE_ROWS:,} lines: {bare:,.0f} rows/s")
        print(f"ratio month-end/bare: {rate / bare:.0%}")


if __name__ == "__main__":
    main()
