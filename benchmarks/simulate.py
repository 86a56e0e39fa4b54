"""Benchmark the strategy simulation: 20M lines x 24 months under two candidate plans.

    .venv/bin/python benchmarks/simulate.py [--lines 20000000] [--months 24] [--areas 300]

A synthetic base (no database: the simulation itself is timed): lines spread over local
networks, 60 % prepaid, balances 0-200 yuan, fees 10-70 yuan a month, natural churn 2 % a
month, 5 % of lines without service (leaving with probability 0.3 a month, else complaining),
two offers open all along (30 % and 20 % of lines eligible, take-up 3 % and 2 % a month).
Plan A refuses top-ups region by region over the first year and switches each network off six
months later; plan B switches everything off at month 12. Prints the seconds per plan, the
lines left and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date, timedelta

import numpy as np

from sunset.plans.rules import PlanDates
from sunset.stats.simulation import Base, Behaviour, OfferModel, simulate

START = date(2012, 1, 31)


def synthetic(lines: int, areas: int, seed: int) -> Base:
    rng = np.random.default_rng(seed)
    return Base(
        areas=[f"{i:04d}" for i in range(areas)],
        area=rng.integers(0, areas, lines, dtype=np.int32),
        prepaid=rng.random(lines) < 0.6,
        balance_fen=rng.integers(0, 20_000, lines, dtype=np.int64),
        fee_fen=rng.integers(1_000, 7_000, lines, dtype=np.int64),
        upkeep_fen={f"{i:04d}": 50_000_000 for i in range(areas)},
        no_service=rng.random(lines) < 0.05,
        offers=(
            OfferModel("a", START, None, 0.03, subsidy_fen=30_000, credit_fen=0),
            OfferModel("b", START, None, 0.02, subsidy_fen=0, credit_fen=5_000),
        ),
        eligible=np.column_stack([rng.random(lines) < 0.3, rng.random(lines) < 0.2]),
    )


def plans(areas: int) -> dict[str, dict[str, PlanDates]]:
    staggered = {
        f"{i:04d}": PlanDates(
            topups_refused=START + timedelta(days=30 * (i % 12)),
            switched_off=START + timedelta(days=30 * (i % 12) + 180),
        )
        for i in range(areas)
    }
    at_once = {f"{i:04d}": PlanDates(switched_off=date(2012, 12, 31)) for i in range(areas)}
    return {"A staggered": staggered, "B all at month 12": at_once}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=20_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--areas", type=int, default=300)
    args = parser.parse_args()
    base = synthetic(args.lines, args.areas, seed=6)
    for name, candidate in plans(args.areas).items():
        started = time.perf_counter()
        outcome = simulate(
            base,
            candidate,
            start=START,
            months=args.months,
            behaviour=Behaviour(0.02, "benchmark", leave_without_service=0.3),
            seed=1,
            name=name,
        )
        seconds = time.perf_counter() - started
        print(
            f"{name}: {args.lines:,} lines x {args.months} months in {seconds:.1f} s;"
            f" {outcome.remaining[-1]:,} left, cleared {outcome.clearance_month}, {outcome.left}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
