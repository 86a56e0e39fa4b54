"""Run every benchmark at the sizes the issues name; print the figures for BENCHMARKS.md.

    .venv/bin/python benchmarks/run_all.py [--lines N]

Starts a throwaway PostgreSQL server (scripts/postgres.sh) for the PostgreSQL figures.
"""

from __future__ import annotations

import argparse
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
    url = (
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "postgres.sh"), "start", pgdir],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    try:
        subprocess.run([*start, "--lines", str(args.lines), "--postgres", url], check=True)
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop", pgdir], check=False)


if __name__ == "__main__":
    main()
