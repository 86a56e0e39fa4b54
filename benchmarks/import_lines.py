"""Benchmark `sunset import lines` against a bare executemany, and `sunset status`, at scale.

    .venv/bin/python benchmarks/import_lines.py --lines 20000000 [--postgres URL]

Prints, for one generated CSV file (cached in benchmarks/out/):
- the end-to-end import rate of `sunset import lines` (a subprocess: validation, customers,
  lines, opening-balance ledger entries, one transaction) into a fresh SQLite database, with the
  peak memory (max RSS) of that process;
- the rate of a bare `executemany` of the same lines, already prepared as tuples, into the same
  `lines` table of another fresh database (customers inserted first, untimed, for the foreign
  key) — and the ratio of the two;
- the time of `status_report` in-process and of `sunset status --json` as a command;
- with --postgres, the same import into PostgreSQL (COPY).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sunset.db import make_engine, session_scope
from sunset.ingest.reader import read_chunks
from sunset.kit.bulk import _sqlite_ready
from sunset.kit.numbers import NumberingPlan
from sunset.lines.rules import (
    CUSTOMER_COLUMNS,
    LINE_COLUMNS,
    check_columns,
    to_records,
    validate,
)
from sunset.lines.service import line_context
from sunset.status.service import status_report
from sunset.synth.generator import generate_lines

OUT = Path(__file__).parent / "out"
TODAY = date(2010, 12, 31)
PART = 1_000_000


def generated_file(lines: int, seed: int) -> Path:
    """Write (once) a CSV of ``lines`` synthetic lines, in parts of a million."""
    path = OUT / f"lines-{lines}-{seed}.csv"
    if path.exists():
        return path
    OUT.mkdir(exist_ok=True)
    parts = max(1, -(-lines // PART))
    tmp = path.with_suffix(".partial")
    with tmp.open("wb") as handle:
        for i in range(parts):
            n = min(PART, lines - i * PART)
            frame = generate_lines(n, seed=seed + i, today=TODAY, block=(i, parts))
            frame.write_csv(handle, include_header=i == 0)
            print(f"  generated {min((i + 1) * PART, lines):,} lines", file=sys.stderr)
    tmp.rename(path)
    return path


def run_import(path: Path, url: str) -> tuple[float, float]:
    """Import ``path`` with the CLI in a subprocess; return (seconds, peak RSS in MiB)."""
    env = {**os.environ, "SUNSET_DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sunset", "import", "lines", str(path), "--today", str(TODAY)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak


def bare_executemany(path: Path, url: str) -> tuple[int, float]:
    """Insert the file's lines with a bare executemany of prepared tuples; time only that."""
    engine = make_engine(url)
    plan = NumberingPlan()
    timed = 0.0
    rows = 0
    _, chunks = read_chunks(path, chunk_rows=PART, check_names=check_columns)
    with session_scope(engine) as session:
        ctx = line_context(session, today=TODAY)
        raw = session.connection().connection.driver_connection
        insert = (
            f"INSERT INTO lines ({', '.join(LINE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(LINE_COLUMNS))})"
        )
        customers = (
            f"INSERT INTO customers ({', '.join(CUSTOMER_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(CUSTOMER_COLUMNS))}) ON CONFLICT DO NOTHING"
        )
        for chunk in chunks:
            clean, _ = validate(chunk.frame, chunk.rows, ctx, plan)
            records = _sqlite_ready(to_records(clean, ctx))
            raw.executemany(customers, records.select(CUSTOMER_COLUMNS).iter_rows())
            prepared = list(records.select(LINE_COLUMNS).iter_rows())
            started = time.perf_counter()
            raw.executemany(insert, prepared)
            timed += time.perf_counter() - started
            rows += len(prepared)
    engine.dispose()
    return rows, timed


def status_times(url: str) -> tuple[float, float]:
    """Return (in-process status_report seconds, `sunset status --json` wall seconds)."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        started = time.perf_counter()
        report = status_report(session)
        inner = time.perf_counter() - started
    engine.dispose()
    env = {**os.environ, "SUNSET_DATABASE_URL": url}
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "sunset", "status", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    assert json.loads(out.stdout)["lines"]["total"] == report.lines.total
    return inner, wall


def sqlite_figures(args: argparse.Namespace) -> None:
    """Import into a fresh SQLite database, then (unless skipped) the bare executemany."""
    path = generated_file(args.lines, args.seed)
    db = OUT / "bench-import.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    make_engine(url).dispose()
    seconds, peak = run_import(path, url)
    rate = args.lines / seconds
    print(f"sqlite import: {seconds:,.1f} s, {rate:,.0f} lines/s, peak RSS {peak:,.0f} MiB")
    inner, wall = status_times(url)
    print(f"sqlite status: status_report {inner:.2f} s; `sunset status --json` {wall:.2f} s")
    if not args.skip_bare:
        bare_db = OUT / "bench-bare.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{bare_db}{suffix}").unlink(missing_ok=True)
        rows, timed = bare_executemany(path, f"sqlite:///{bare_db}")
        bare_rate = rows / timed
        print(f"sqlite bare executemany: {rows:,} rows in {timed:,.1f} s, {bare_rate:,.0f} rows/s")
        print(f"ratio import/bare: {rate / bare_rate:.0%}")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{bare_db}{suffix}").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", help="SQLAlchemy URL of an empty PostgreSQL database")
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true", help="only the PostgreSQL import")
    args = parser.parse_args()

    path = generated_file(args.lines, args.seed)
    size_mb = path.stat().st_size / 2**20
    print(f"file: {path.name}, {args.lines:,} lines, {size_mb:,.0f} MiB")
    if not args.skip_sqlite:
        sqlite_figures(args)
    if args.postgres:
        make_engine(args.postgres).dispose()
        seconds, _ = run_import(path, args.postgres)
        print(f"postgres import (COPY): {seconds:,.1f} s, {args.lines / seconds:,.0f} lines/s")
        inner, wall = status_times(args.postgres)
        print(f"postgres status: status_report {inner:.2f} s; `sunset status --json` {wall:.2f} s")


if __name__ == "__main__":
    main()
