"""The forecasts of many local networks in this process and on a Dask cluster, timed.

    .venv/bin/python benchmarks/forecast_regions_dask.py [--regions 300] [--months 36]
        [--workers 2] [--refit]

The synthetic regions of ``forecast_regions.py``, each forecast by ``stats.regions``' task
(``forecast_or_reason``) through ``kit.tasks.each_region``: first in this process (no
``SUNSET_DASK_SCHEDULER``), then with the setting naming a ``LocalCluster`` of ``--workers``
worker processes of one thread each, started (and its workers' imports done) before the clock
starts, as a long-running cluster would be. Checks that both give the same forecasts; prints
both times and the cluster's start-up.
"""

from __future__ import annotations

import argparse
import os
import time
from importlib import import_module

from distributed import Client, LocalCluster
from forecast_regions import synthetic

from sunset.config import get_settings
from sunset.kit import tasks
from sunset.stats.outlook import Request
from sunset.stats.regions import forecast_or_reason


def timed(requests: dict[str, Request]) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    found = tasks.each_region(forecast_or_reason, requests, what="forecast")
    return time.perf_counter() - started, dict(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regions", type=int, default=300)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--refit", action="store_true", help="refit at every backtest origin")
    args = parser.parse_args()
    requests = {
        r.series: Request(**{**r.__dict__, "refit": args.refit})
        for r in synthetic(args.regions, args.months, args.seed)
    }
    os.environ.pop("SUNSET_DASK_SCHEDULER", None)
    get_settings.cache_clear()
    import_module("statsmodels.tsa.exponential_smoothing.ets")  # its import is not timed
    here_s, here = timed(requests)
    started = time.perf_counter()
    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        with Client(cluster.scheduler_address, set_as_default=False) as client:
            client.run(import_module, "sunset.stats.regions")
            client.run(import_module, "statsmodels.tsa.exponential_smoothing.ets")
        startup = time.perf_counter() - started
        os.environ["SUNSET_DASK_SCHEDULER"] = cluster.scheduler_address
        get_settings.cache_clear()
        there_s, there = timed(requests)
    same = there == here
    print(
        f"{len(requests)} regions x {args.months} months, refit={args.refit}: in this process"
        f" {here_s:.2f} s; on a LocalCluster of {args.workers} worker process(es)"
        f" {there_s:.2f} s (+ {startup:.1f} s to start it and import on its workers);"
        f" same forecasts: {same}; load average {os.getloadavg()[0]:.1f}"
    )
    if not same:
        raise SystemExit("the cluster's forecasts differ from this process's")


if __name__ == "__main__":
    main()
