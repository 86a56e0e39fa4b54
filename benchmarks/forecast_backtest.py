"""Accuracy of the forecast on the shipped national series, beside two naive baselines.

    .venv/bin/python benchmarks/forecast_backtest.py

Rolling origin: from every observed month with a year of history since the peak (2006-10), each
method forecasts from what was known then, and is scored 3, 6 and 12 months ahead at the months
that were actually published (interpolated months are never scored). Methods:

- ``chosen``: what `sunset forecast` does, nested: at each origin the model is chosen by a
  rolling-origin backtest on the data before that origin only, then forecasts;
- the three candidates on their own (``ets_damped``, ``ets_trend``, ``log_drift``);
- ``linear_12``: a straight line through the last 12 months (least squares on the level);
- ``decay_12``: constant-rate decay at the average monthly rate of the last 12 months.

Prints MAPE per horizon and, for the model-based methods, how often the 80 % interval held the
published figure.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sunset.stats import forecast as fc
from sunset.stats.outlook import forecast_best

SHIPPED = Path(__file__).resolve().parents[1] / "src/sunset/stats/data/phs_china_national.csv"
HORIZONS = (3, 6, 12)
Method = Callable[[fc.Grid, int], tuple[np.ndarray, np.ndarray | None]]


def linear_12(grid: fc.Grid, horizon: int) -> tuple[np.ndarray, None]:
    """A straight line through the last 12 months of the level (never below the floor)."""
    level = np.exp(grid.logs[-12:])
    slope, intercept = np.polyfit(np.arange(12.0), level, 1)
    ahead = intercept + slope * np.arange(12.0, 12.0 + horizon)
    return np.log(np.maximum(ahead, grid.floor)), None


def decay_12(grid: fc.Grid, horizon: int) -> tuple[np.ndarray, None]:
    """Constant-rate decay at the mean monthly log change of the last 12 months."""
    rate = (grid.logs[-1] - grid.logs[-13]) / 12
    return grid.logs[-1] + rate * np.arange(1, horizon + 1), None


def candidate(model: str) -> Method:
    def method(grid: fc.Grid, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        return fc.predict(model, grid.logs, horizon)

    return method


def chosen(grid: fc.Grid, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    choice = forecast_best(grid, months=horizon, horizon=horizon, refit=True, max_origins=None)
    return choice.mean, choice.sd


METHODS: dict[str, Method] = {
    "chosen": chosen,
    **{m: candidate(m) for m in fc.CANDIDATES},
    "linear_12": linear_12,
    "decay_12": decay_12,
}


def truncated(grid: fc.Grid, origin: int) -> fc.Grid:
    return replace(grid, logs=grid.logs[: origin + 1], observed=grid.observed[: origin + 1])


def score(grid: fc.Grid, method: Method) -> dict[int, tuple[list[float], list[bool]]]:
    """Absolute percentage errors and 80 % interval hits per horizon."""
    found: dict[int, tuple[list[float], list[bool]]] = {h: ([], []) for h in HORIZONS}
    for origin in fc.origins(grid):
        mean, sd = method(truncated(grid, origin), max(HORIZONS))
        for h in HORIZONS:
            target = origin + h
            if target >= len(grid.logs) or not grid.observed[target]:
                continue
            actual = grid.logs[target]
            found[h][0].append(abs(math.exp(mean[h - 1]) - math.exp(actual)) / math.exp(actual))
            if sd is not None:
                found[h][1].append(abs(actual - mean[h - 1]) <= fc.Z80 * sd[h - 1])
    return found


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    with threadpool_limits(limits=1, user_api="blas"):  # as `sunset forecast` runs
        run()


def run() -> None:
    with SHIPPED.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    grid = fc.to_grid([r["month_end"] for r in rows], [float(r["subscribers_10k"]) for r in rows])
    print(
        f"series: {len(rows)} published months, fit from {grid.start}, {grid.last};"
        f" {len(fc.origins(grid))} origins"
    )
    print(
        "| method | "
        + " | ".join(f"MAPE {h} m (n)" for h in HORIZONS)
        + " | 80 % held (3/6/12 m) |"
    )
    print("| --- |" + " --- |" * (len(HORIZONS) + 1))
    for name, method in METHODS.items():
        started = time.perf_counter()
        found = score(grid, method)
        mapes = " | ".join(
            f"{100 * np.mean(found[h][0]):.1f} % ({len(found[h][0])})" for h in HORIZONS
        )
        held = "/".join(f"{100 * np.mean(found[h][1]):.0f} %" for h in HORIZONS if found[h][1])
        print(f"| {name} | {mapes} | {held or '-'} |  ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
