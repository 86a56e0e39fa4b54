"""Run every benchmark at the sizes the issues name; print the figures for BENCHMARKS.md.

    .venv/bin/python benchmarks/run_all.py [--lines N]

Starts a throwaway PostgreSQL server (scripts/postgres.sh) for the PostgreSQL figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=20_000_000)
    args = parser.parse_args()
    pgdir = tempfile.mkdtemp(prefix="sunset-pg-bench-")
    start = [sys.executable, str(ROOT / "benchmarks" / "import_lines.py")]
    # A port of its own, so that a test run beside it can start its server.
    env = {**os.environ, "SUNSET_PG_PORT": os.environ.get("SUNSET_PG_PORT", "55460")}
    started = subprocess.run(
        ["bash", str(ROOT / "scripts" / "postgres.sh"), "start", pgdir],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    url = started.stdout.strip().splitlines()[-1]
    sqlite_db = ROOT / "benchmarks" / "out" / "bench-import.db"
    try:
        subprocess.run([*start, "--lines", str(args.lines), "--postgres", url], check=True)
        offers = [sys.executable, str(ROOT / "benchmarks" / "offers.py")]
        subprocess.run([*offers, "--database", f"sqlite:///{sqlite_db}"], check=True)
        subprocess.run([*offers, "--database", url], check=True)
        month_end = [sys.executable, str(ROOT / "benchmarks" / "month_end.py")]
        subprocess.run([*month_end, "--database", f"sqlite:///{sqlite_db}"], check=True)
        subprocess.run([*month_end, "--database", url], check=True)
        numberdb = [sys.executable, str(ROOT / "benchmarks" / "number_database.py")]
        subprocess.run([*numberdb, "--db-entries", "2000000"], check=True)
        for script in ("forecast_backtest.py", "forecast_regions.py", "simulate.py", "report.py"):
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / script)], check=True)
        # Outage credits write to the base (a year of charges, then credits): on a copy.
        credits_db = ROOT / "benchmarks" / "out" / "bench-credits.db"
        shutil.copyfile(sqlite_db, credits_db)
        credits = [sys.executable, str(ROOT / "benchmarks" / "outage_credits.py")]
        subprocess.run([*credits, "--database", f"sqlite:///{credits_db}"], check=True)
        board = [sys.executable, str(ROOT / "benchmarks" / "board.py")]
        subprocess.run([*board, "--notices", "10000", "--comments", "100000"], check=True)
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop", pgdir], check=False)


if __name__ == "__main__":
    main()
