"""Benchmark one PostgreSQL server against a coordinator and data servers, on one base.

    .venv/bin/python benchmarks/cluster.py --lines 3000000 [--servers 2] [--workers 2]

Starts throwaway PostgreSQL servers (scripts/postgres.sh, in /tmp/sunset-bench-cluster-*), then
for one generated CSV (benchmarks/import_lines.py's, cached in benchmarks/out/):
- one server: `sunset import lines`, one month-end of the cycle (2011-01-31), `status_report`;
- a coordinator (on the first server) with ``--servers`` data servers, the file's local networks
  placed round-robin over the coordinator and them before the import (the biggest first): the
  same import (each network's lines written on its server, all at once, committed together),
  the same month-end (each network on its server), the status report (through the
  coordinator), `cluster status`;
- the database size on each server, and that both give the same ledger totals.
Prints seconds and sizes; stops the servers unless --keep.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import polars as pl
from import_lines import generated_file
from sqlalchemy import create_engine, text

from sunset.access.rules import Actor
from sunset.access.vocabulary import ActorKind, Role
from sunset.cluster.layout import COORDINATOR
from sunset.cycle.daily import run_cycle
from sunset.db import make_engine, session_scope
from sunset.status.service import status_report
from sunset.usecases import cluster

ROOT = Path(__file__).resolve().parents[1]
MONTH_END = date(2011, 1, 31)
ADMIN = Actor(user_id=None, name="os:bench", role=Role.ADMIN, operator=None, kind=ActorKind.OS)
NOW = datetime(2011, 1, 1, 8)


def start(name: str) -> str:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts/postgres.sh"), "start", f"/tmp/sunset-bench-cluster-{name}"],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def stop(name: str) -> None:
    subprocess.run(
        ["bash", str(ROOT / "scripts/postgres.sh"), "stop", f"/tmp/sunset-bench-cluster-{name}"],
        check=False,
        capture_output=True,
    )


def fresh(server_url: str, database: str) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    admin.dispose()
    url = server_url.replace("/postgres?", f"/{database}?")
    make_engine(url).dispose()
    return url


def timed_import(path: Path, url: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sunset", "import", "lines", str(path), "--today", "2010-12-31"],
        check=True,
        env={**os.environ, "SUNSET_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def month_end(url: str, workers: int) -> float:
    engine = make_engine(url, migrate=False)
    started = time.perf_counter()
    run_cycle(engine, until=MONTH_END, start=MONTH_END, workers=workers)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def place_round_robin(url: str, servers: list[str], path: Path) -> float:
    """Spread the file's local networks over the coordinator and the data servers, the biggest
    first in turn, before any line is imported; return the seconds the placements took."""
    counts = (
        pl.scan_csv(path, schema_overrides={"area_code": pl.String})
        .group_by("area_code")
        .len()
        .sort(["len", "area_code"], descending=[True, False])
        .collect()
    )
    areas = [str(a) for a in counts.get_column("area_code")]
    engine = make_engine(url, migrate=False)
    on = [COORDINATOR, *servers]
    started = time.perf_counter()
    for i, area in enumerate(areas):
        if on[i % len(on)] != COORDINATOR:
            cluster.place(engine, ADMIN, area=area, server=on[i % len(on)], now=NOW)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def status_seconds(url: str) -> float:
    engine = make_engine(url, migrate=False)
    with session_scope(engine) as session:
        started = time.perf_counter()
        status_report(session, today=MONTH_END)
        seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def totals(url: str) -> list[tuple[object, ...]]:
    engine = make_engine(url, migrate=False)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT kind, COUNT(*), SUM(amount_fen) FROM ledger_entries GROUP BY kind"
                " ORDER BY kind"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def size(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    engine.dispose()
    return found


def drop(server_url: str, database: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin.dispose()


def say(text: str) -> None:
    print(text, flush=True)


def one_server(path: Path, server_url: str, workers: int) -> list[tuple[object, ...]]:
    """Import, one month-end and the status report on one database; return its totals."""
    single = fresh(server_url, "single")
    seconds = timed_import(path, single)
    say(f"one server: import {seconds:7.1f} s")
    say(f"one server: month-end {month_end(single, workers):6.1f} s ({workers} workers)")
    say(f"one server: status {status_seconds(single):5.2f} s")
    say(f"one server: disk {size(single) / 2**30:.2f} GiB")
    return totals(single)


def spread(
    path: Path, servers: dict[str, str], workers: int
) -> tuple[str, list[tuple[object, ...]]]:
    """The same on a coordinator and its data servers, the networks placed before the import;
    return the coordinator's url and its totals."""
    coordinator = fresh(servers["a"], "coordinator")
    data = {name: fresh(url, "data") for name, url in servers.items() if name != "a"}
    engine = make_engine(coordinator, migrate=False)
    for name, url in data.items():
        cluster.add_server(engine, ADMIN, name=name, url=url, now=NOW)
    engine.dispose()
    say(f"   cluster: networks placed {place_round_robin(coordinator, list(data), path):5.1f} s")
    seconds = timed_import(path, coordinator)
    say(f"   cluster: import {seconds:7.1f} s (each network on its server)")
    say(f"   cluster: month-end {month_end(coordinator, workers):6.1f} s ({workers} workers)")
    say(f"   cluster: status {status_seconds(coordinator):5.2f} s (through the coordinator)")
    started = time.perf_counter()
    cluster.status(make_engine(coordinator, migrate=False), ADMIN, today=MONTH_END)
    say(f"   cluster: `cluster status` {time.perf_counter() - started:.2f} s")
    say(
        "   cluster: disk "
        + ", ".join(
            f"{name} {size(url) / 2**30:.2f} GiB"
            for name, url in (("coordinator", coordinator), *data.items())
        )
    )
    return coordinator, totals(coordinator)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--servers", type=int, default=2, help="data servers besides the coordinator"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--one-at-a-time",
        action="store_true",
        help="drop the one-server database before the cluster's import (a disk for one copy)",
    )
    parser.add_argument("--keep", action="store_true", help="leave the servers running")
    args = parser.parse_args()
    path = generated_file(args.lines, args.seed)
    names = ["a", *(f"d{i + 1}" for i in range(args.servers))]
    servers = {name: start(name) for name in names}
    try:
        say(f"{args.lines:,} lines, {args.servers} data servers")
        alone = one_server(path, servers["a"], args.workers)
        if args.one_at_a_time:
            drop(servers["a"], "single")
        _, together = spread(path, servers, args.workers)
        say(f"ledger totals equal: {alone == together}")
    finally:
        if not args.keep:
            for name in names:
                stop(name)


if __name__ == "__main__":
    main()
