"""Benchmark `sunset report` (issue #6) on the demo's operator.

    .venv/bin/python benchmarks/report.py [--lines 300000] [--database URL]

Without --database, builds the demo (`sunset demo --lines N --reset`: a synthetic operator,
2011-2012 played month by month, so every month-end has its snapshot) into
benchmarks/out/demo-report.db first, untimed. Then times `sunset report --month 2012-12` as a
command (subprocess: imports, queries, two forecasts, eight chart files, the page) and prints
its wall time and the peak memory of the child processes (the demo's too when it was built).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUNSET = [sys.executable, "-m", "sunset"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=300_000)
    parser.add_argument("--database", help="SQLAlchemy URL of a database the demo filled")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{ROOT / 'benchmarks' / 'out' / 'demo-report.db'}"
    env = {**os.environ, "SUNSET_DATABASE_URL": url}
    if not args.database:
        (ROOT / "benchmarks" / "out").mkdir(exist_ok=True)
        demo = [*SUNSET, "demo", "--lines", str(args.lines), "--reset"]
        subprocess.run(demo, check=True, env=env, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        report = [*SUNSET, "report", "--month", "2012-12", "--out", out, "--json"]
        subprocess.run(report, check=True, env=env, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        files = len(list(Path(out).iterdir()))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"sunset report --month 2012-12: {seconds:.2f} s, {files} files, peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
