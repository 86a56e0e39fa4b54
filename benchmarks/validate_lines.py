"""Benchmark an import's reading and validation alone, without writing anything.

    .venv/bin/python benchmarks/validate_lines.py --lines 1000000

Reads the CSV benchmarks/import_lines.py generates (benchmarks/out/lines-N-7.csv, written first
when missing) chunk by chunk as `sunset import lines` does, and runs each chunk's validation
(`lines.rules.validate`: numbers, dates, money, codes, customers) and its records, in this
thread. Prints the seconds of
each part: the import runs them in a second thread beside the writer, so on SQLite they bound
its reading phase.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from import_lines import TODAY, generated_file

from sunset.db import make_engine, session_scope
from sunset.ingest.reader import read_chunks
from sunset.kit.numbers import plan_for
from sunset.lines import rules
from sunset.lines.service import line_context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    args = parser.parse_args()
    path = generated_file(args.lines, args.seed)
    with tempfile.TemporaryDirectory() as folder:  # the reference data validation checks
        engine = make_engine(f"sqlite:///{folder}/reference.db")
        with session_scope(engine) as session:
            ctx = line_context(session, today=TODAY)
        engine.dispose()
    plan = plan_for(None)
    _, chunks = read_chunks(path, chunk_rows=args.chunk_rows, check_names=rules.check_columns)
    reading = validating = records = 0.0
    rows = 0
    chunk_iter = iter(chunks)
    while True:
        began = time.perf_counter()
        chunk = next(chunk_iter, None)
        read = time.perf_counter()
        if chunk is None:
            break
        clean, _errors = rules.validate(chunk.frame, chunk.rows, ctx, plan)
        validated = time.perf_counter()
        rules.to_records(clean, ctx)
        done = time.perf_counter()
        reading += read - began
        validating += validated - read
        records += done - validated
        rows += chunk.frame.height
    total = reading + validating + records
    print(
        f"{rows:,} lines: reading {reading:.2f} s, validating {validating:.2f} s, records "
        f"{records:.2f} s; {total:.2f} s in all, {rows / total:,.0f} lines/s"
    )


if __name__ == "__main__":
    main()
