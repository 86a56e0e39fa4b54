"""Benchmark the main job: `sunset demo --reset` on a fresh SQLite file, as a new user runs it.

    .venv/bin/python benchmarks/demo.py [--lines 150000] [--repeat 1] [--keep DIR]

Runs the demo in a child process (its own interpreter, imports included, as `make demo` does)
against a throwaway database and prints, per run: the wall time, the time the demo reports
itself ("Demo done in N s"), the child's CPU seconds (user + system), its peak RSS, the
machine's load average before and after, and whether `verify` held. The issue's target is the
demo's own figure at 150,000 lines: 60 s.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DONE = re.compile(r"Demo done in ([0-9.]+) s")


def run_once(lines: int, directory: Path) -> dict[str, str]:
    database = directory / "demo.db"
    for leftover in directory.glob("demo.db*"):
        leftover.unlink()
    env = {**os.environ, "SUNSET_DATABASE_URL": f"sqlite:///{database}"}
    command = [sys.executable, "-m", "sunset", "demo", "--reset", "--lines", str(lines)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"the demo failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr}")
    said = DONE.search(done.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall s": f"{wall:.1f}",
        "demo s": said.group(1) if said else "?",
        "cpu s": f"{cpu:.1f}",
        "peak RSS MiB": f"{after.ru_maxrss / 1024:.0f}",
        "load before/after": f"{load_before:.1f}/{os.getloadavg()[0]:.1f}",
        "verify": "holds" if "all invariants hold" in done.stdout else "FAILED",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the database here (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sunset-demo-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        for run in range(1, args.repeat + 1):
            figures = run_once(args.lines, directory)
            print(f"run {run}: " + ", ".join(f"{k} {v}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
