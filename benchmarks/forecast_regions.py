"""Forecasts for many local networks at once (synthetic month-end series), timed.

    .venv/bin/python benchmarks/forecast_regions.py [--regions 300] [--months 36] [--refit]

Each region has its own size (1,000 to 500,000 lines), pace of decline (0.5 % to 8 % a month),
a random walk in its log count, and for a tenth of them a switch-off that empties the base
before the end. Every forecast is the whole of `sunset forecast`: the candidates backtested,
the best one fitted, 24 months with intervals, the threshold month and the chance of clearing
by 2011-12. By default the backtest reuses the parameters fitted on the whole series (what a
batch over many regions should do); ``--refit`` refits at every origin, as a single forecast does.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter

import numpy as np

from sunset.stats.outlook import Request, outlook
from sunset.stats.rules import add_months, month_grid


def synthetic(regions: int, months: int, seed: int) -> list[Request]:
    """Month-end live lines of ``regions`` local networks from 2009-01 on."""
    rng = np.random.default_rng(seed)
    grid = month_grid("2009-01", add_months("2009-01", months - 1))
    requests = []
    for i in range(regions):
        size, rate = rng.uniform(1_000, 500_000), rng.uniform(0.005, 0.08)
        walk = np.cumsum(rng.normal(0, 0.02, months))
        values = size * np.exp(-rate * np.arange(months) + walk)
        if rng.random() < 0.1:  # switched off: the base is gone from a month on
            values[int(rng.integers(months // 2, months)) :] = 0
        requests.append(
            Request(
                series=f"{i:04d}:phs",
                unit="lines",
                months=grid,
                values=[float(round(v)) for v in values],
                deadline="2011-12",
                refit=False,
            )
        )
    return requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regions", type=int, default=300)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--refit", action="store_true", help="refit at every backtest origin")
    args = parser.parse_args()
    requests = synthetic(args.regions, args.months, args.seed)
    if args.refit:
        requests = [Request(**{**r.__dict__, "refit": True}) for r in requests]
    started = time.perf_counter()
    import statsmodels.tsa.exponential_smoothing.ets  # noqa: F401  (its import is timed apart)

    imported = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    results = [outlook(r) for r in requests]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    models = Counter(r.model for r in results)
    cleared = sum(1 for r in results if (r.p_clear_by_deadline or 0) >= 0.5)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(results)} regions x {args.months} months, refit={args.refit}: {seconds:.2f} s"
        f" ({1000 * seconds / len(results):.1f} ms a region; {cpu:.2f} s of CPU)"
        f" + {imported:.2f} s to import"
        f" statsmodels; models {dict(models)}; {cleared} likely cleared by 2011-12;"
        f" peak RSS {peak_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
