"""Benchmark the in-memory number database: build, memory, batch and single lookups.

    .venv/bin/python benchmarks/number_database.py [--entries 150000000] [--seed 1]

Generates ``--entries`` synthetic entries (fixed-line numbers of 18 local networks and mobile
numbers, each a port on the hour between 2010-11-22 and 2014-12-31 to one of 20 routes; numbers
drawn at random, so some have several entries) in random order, builds the index from the bare
arrays (the sort included), and prints: entries, build time, memory (RSS delta of the index once
the inputs are freed, and the bytes of its arrays), batch lookups/s (batches of ``--batch``
numbers at one moment, half of them in the index), and single lookups (``code_of`` on an E.164
string and a datetime) p50/p99 in µs. Then the same build through ``build_index`` from polars
frames (the path the database and CSV loads take) at ``--frame-entries`` entries, and, with
``--db-entries N``, ``service.load_index`` from a fresh SQLite database holding N entries
(written with the import's bulk insert) in ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from sunset.db import make_engine, session_scope
from sunset.routing import repository, service
from sunset.routing.index import Target, build_index, from_arrays
from sunset.routing.rules import to_minutes

AREAS = np.array(
    [10, 20, 21, 22, 23, 24, 25, 27, 28, 311, 411, 551, 565, 571, 755, 757, 760, 898],
    dtype=np.uint64,
)
START, END = datetime(2010, 11, 22), datetime(2014, 12, 31)
ROUTES = 20
OUT = Path(__file__).resolve().parent / "out"
FRAME_ROWS = 250_000


def rss_mib() -> float:
    """Resident memory of this process now, in MiB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """National numbers: 80 % fixed lines (area + 8 digits), 20 % mobiles (1[3-9] + 9 digits)."""
    fixed = AREAS[rng.integers(0, len(AREAS), n)] * np.uint64(10**8) + rng.integers(
        2 * 10**7, 10**8, n, dtype=np.uint64
    )
    mobile = rng.integers(13 * 10**9, 20 * 10**9, n, dtype=np.uint64)
    return np.where(rng.random(n) < 0.8, fixed, mobile)


def hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Minutes since 1970 of random whole hours between START and END."""
    first, last = to_minutes(START) // 60, to_minutes(END) // 60
    return rng.integers(first, last, n, dtype=np.uint64) * np.uint64(60)


def targets() -> list[Target | None]:
    ops = [("telecom", "cdma"), ("unicom", "wcdma"), ("mobile", "gsm"), ("telecom", "phs")]
    made = [Target(*ops[i % 4], f"D{i:03d}", "port") for i in range(ROUTES)]
    return [None, *made]


def build(n: int, seed: int) -> tuple[object, float, float, float]:
    """Build an index of n random entries; return it, seconds, RSS delta and peak RSS (MiB)."""
    rng = np.random.default_rng(seed)
    gc.collect()
    before = rss_mib()
    nsn, minutes = numbers(rng, n), hours(rng, n)
    codes = rng.integers(1, ROUTES + 1, n, dtype=np.int16)
    started = time.perf_counter()
    index = from_arrays(nsn, minutes, codes, targets())
    seconds = time.perf_counter() - started
    del nsn, minutes, codes
    gc.collect()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return index, seconds, rss_mib() - before, peak


def batch_rate(index: object, rng: np.random.Generator, size: int, batches: int) -> float:
    """Lookups/s over ``batches`` batches of ``size`` numbers, half of them known."""
    keys = index.keys  # type: ignore[attr-defined]
    total = 0.0
    for _ in range(batches):
        known = keys[rng.integers(0, len(keys), size // 2)] >> np.uint64(27)
        query = np.concatenate([known, numbers(rng, size - size // 2)])
        at = START + timedelta(hours=int(rng.integers(0, 35_000)))
        started = time.perf_counter()
        index.lookup(query, at)  # type: ignore[attr-defined]
        total += time.perf_counter() - started
    return size * batches / total


def single_latency(index: object, rng: np.random.Generator, n: int) -> tuple[float, float]:
    """p50 and p99 in µs of ``code_of`` on E.164 strings, half of them known."""
    keys = index.keys  # type: ignore[attr-defined]
    known = keys[rng.integers(0, len(keys), n // 2)] >> np.uint64(27)
    query = [f"+86{int(x)}" for x in np.concatenate([known, numbers(rng, n - n // 2)])]
    moments = [START + timedelta(hours=int(h)) for h in rng.integers(0, 35_000, n)]
    code_of = index.code_of  # type: ignore[attr-defined]
    spent = np.empty(n, dtype=np.int64)
    for i, (number, at) in enumerate(zip(query, moments, strict=True)):
        started = time.perf_counter_ns()
        code_of(number, at)
        spent[i] = time.perf_counter_ns() - started
    return float(np.percentile(spent, 50)) / 1000, float(np.percentile(spent, 99)) / 1000


def entry_frame(n: int, seed: int) -> pl.DataFrame:
    """n random entries as rows of ``routing_entries`` (Unicom WCDMA ports)."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "area_code": "0551",
            "number": pl.select(
                pl.lit("+86") + pl.Series(numbers(rng, n)).cast(pl.String)
            ).to_series(),
            "valid_from": pl.Series(hours(rng, n).astype(np.int64) * 60_000_000).cast(
                pl.Datetime("us")
            ),
            "operator_code": "unicom",
            "network_code": "wcdma",
            "routing_number": "D206",
            "source": "port",
        }
    ).with_columns(
        forward_to=pl.lit(None, pl.String), forward_until=pl.lit(None, pl.Datetime("us"))
    )


def frame_build(n: int, seed: int) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of build_index over n entries in frames of FRAME_ROWS rows
    (the database/CSV path). Eight frames are made beforehand and given round and round (their
    generation is not timed), so numbers repeat: the index keeps every copy."""
    frames = [entry_frame(FRAME_ROWS, seed + i) for i in range(8)]

    def given() -> Iterator[pl.DataFrame]:
        for i in range(n // FRAME_ROWS):
            yield frames[i % len(frames)]

    started = time.perf_counter()
    build_index(given(), [], {("unicom", "wcdma"): "D206"})
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def database_load(n: int, seed: int) -> tuple[int, float]:
    """Entries and seconds of ``service.load_index`` from a fresh SQLite database of n entries."""
    path = OUT / "bench-numberdb.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    OUT.mkdir(exist_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    frame = entry_frame(n, seed).unique(["number", "valid_from"])
    with session_scope(engine) as session:
        for chunk in frame.iter_slices(500_000):
            repository.insert_entries(session, chunk)
    with session_scope(engine) as session:
        started = time.perf_counter()
        index = service.load_index(session)
        seconds = time.perf_counter() - started
    engine.dispose()
    return len(index), seconds


def arrays(args: argparse.Namespace) -> None:
    """Build from bare arrays, then time batch and single lookups; print the figures."""
    index, seconds, delta, peak = build(args.entries, args.seed)
    size = len(index)  # type: ignore[arg-type]
    nbytes = index.nbytes  # type: ignore[attr-defined]
    print(f"entries: {size:,}; build (from arrays, sort included): {seconds:,.1f} s")
    print(
        f"memory: RSS delta {delta:,.0f} MiB, arrays {nbytes / 2**20:,.0f} MiB "
        f"({nbytes / size:.1f} bytes/entry); peak RSS while building {peak:,.0f} MiB"
    )
    rng = np.random.default_rng(args.seed + 1)
    rate = batch_rate(index, rng, args.batch, args.batches)
    print(f"batch lookups: {rate:,.0f} lookups/s (batches of {args.batch:,})")
    p50, p99 = single_latency(index, rng, args.singles)
    print(f"single lookup (code_of): p50 {p50:.1f} µs, p99 {p99:.1f} µs ({args.singles:,} calls)")
    del index
    gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=150_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--singles", type=int, default=200_000)
    parser.add_argument("--frame-entries", type=int, default=5_000_000)
    parser.add_argument("--db-entries", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.entries:
        arrays(args)
    if args.frame_entries:
        seconds, peak = frame_build(args.frame_entries, args.seed)
        print(
            f"build_index from polars frames of {FRAME_ROWS:,}, {args.frame_entries:,} entries: "
            f"{seconds:,.1f} s (peak RSS of the process so far {peak:,.0f} MiB)"
        )
    if args.db_entries:
        loaded, seconds = database_load(args.db_entries, args.seed)
        print(f"load_index from SQLite, {loaded:,} entries: {seconds:,.1f} s")


if __name__ == "__main__":
    main()
