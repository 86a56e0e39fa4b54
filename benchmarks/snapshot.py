"""Benchmark the month-end snapshot (issue #6) beside the month-end charge it rides with.

    .venv/bin/python benchmarks/snapshot.py --database sqlite:///benchmarks/out/bench-import.db

On a database holding an imported base (benchmarks/import_lines.py leaves one in
benchmarks/out/), records the snapshot and flows of 2011-01-31 for every local network, each in
a transaction that is rolled back (so the database is unchanged), and prints the seconds and
lines/s. The month-end charge over the same lines is `benchmarks/month_end.py`.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sunset.cycle import repository as cycle
from sunset.db import make_engine
from sunset.lines.models import Line
from sunset.stats.jobs import record_month_end

MONTH_END = date(2011, 1, 31)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of an imported base")
    args = parser.parse_args()
    engine = make_engine(args.database)
    with Session(engine) as session:
        lines = session.scalar(select(func.count()).select_from(Line)) or 0
        areas = cycle.areas_with_lines(session)
    seconds, rows = 0.0, 0
    for area_code in areas:
        with Session(engine) as session:
            started = time.perf_counter()
            rows += record_month_end(session, area_code=area_code, day=MONTH_END)
            session.flush()
            seconds += time.perf_counter() - started
            session.rollback()
    print(
        f"snapshot of {MONTH_END} over {lines:,} lines in {len(areas)} local networks:"
        f" {seconds:.2f} s, {lines / seconds:,.0f} lines/s, {rows} snapshot rows"
    )


if __name__ == "__main__":
    main()
