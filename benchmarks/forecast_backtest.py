"""Accuracy and coverage of the forecast on the shipped national series, beside naive baselines,
and against the figures published after the series ends.

    .venv/bin/python benchmarks/forecast_backtest.py [--no-check]

Rolling origin: from every published month with a year of history since the peak (2006-10),
each method forecasts from what was known then and is scored 3, 6, 12 and 18 months ahead at
the months that were actually published (interpolated months are never scored). Methods:

- ``chosen (asked h)``: what `sunset forecast --horizon h` does, nested: at each origin the
  model is chosen for h months ahead and its intervals calibrated on the backtest errors
  published before that origin only (``backtest.replay``); the ``asked 24`` row is one request
  for 24 months, read at each horizon, and its coverage is the one `sunset forecast` prints;
- each candidate on its own, its intervals calibrated the same way on its own errors;
- ``linear_12``: a straight line through the last 12 months (least squares on the level);
- ``decay_12``: constant-rate decay at the average monthly rate of the last 12 months.

Coverage: the share of calibrated forecasts (1..24 months ahead) whose 80 % / 95 % interval held
the published figure; forecasts from origins with fewer than 19 backtest errors before them
carry the model's own intervals and are not counted (no coverage is claimed for them).

Unless ``--no-check``, every origin is replayed a second time from the series cut at that
origin (the months after it removed) and the choice and calibration compared: equal, or the
benchmark stops. Last, the forecast made from the whole shipped series (to 2012-02) is scored
against the ministry's figures published after it (``LATER``, with their sources).
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sunset.stats import backtest as bt
from sunset.stats import forecast as fc
from sunset.stats.outlook import Request, model_as_of, outlook
from sunset.stats.rules import add_months, months_between

SHIPPED = Path(__file__).resolve().parents[1] / "src/sunset/stats/data/phs_china_national.csv"
HORIZONS = (3, 6, 12, 18)
# MIIT monthly statistics after the shipped series ends (PHS = 无线市话, 10,000 subscribers);
# each level checks against the quoted change since end-2011 (1,785.2) or end-2012 (1,224.9).
LATER = {
    "2012-07": (1412.0, "gov.cn 2012-08-27 content_2211549 (Jan-Jul -373.2)"),
    "2012-10": (1302.5, "tele.ctiforum.com tx_news/346737, 2012-11-30 (Jan-Oct -482.7)"),
    "2012-12": (1224.9, "wsalc.com 2013/1-24/88429 (2012 -560.3)"),
    "2013-08": (991.3, "zhuanti.cww.net.cn 2013-09-29 (Jan-Aug 2013 -233.6)"),
}


def linear_12(grid: fc.Grid, origin: int) -> np.ndarray:
    """A straight line through the 12 months up to the origin (never below the floor)."""
    level = np.exp(grid.logs[origin - 11 : origin + 1])
    slope, intercept = np.polyfit(np.arange(12.0), level, 1)
    ahead = intercept + slope * np.arange(12.0, 12.0 + bt.MAX_AHEAD)
    return np.log(np.maximum(ahead, grid.floor))


def decay_12(grid: fc.Grid, origin: int) -> np.ndarray:
    """Constant-rate decay at the mean monthly log change of the 12 months to the origin."""
    rate = (grid.logs[origin] - grid.logs[origin - 12]) / 12
    return grid.logs[origin] + rate * np.arange(1, bt.MAX_AHEAD + 1)


def baseline(record: bt.Record, grid: fc.Grid, method: object) -> dict[int, list[float]]:
    """Absolute percentage errors of a baseline at the published months, by months ahead."""
    found: dict[int, list[float]] = {h: [] for h in HORIZONS}
    for row, origin in enumerate(record.starts):
        path = method(grid, int(origin))  # type: ignore[operator]
        for h in HORIZONS:
            actual = record.actual[row, h - 1]
            if np.isfinite(actual):
                found[h].append(float(bt.percentage_errors(actual - path[h - 1])))
    return found


def cell(errors: list[float]) -> str:
    return f"{100 * np.mean(errors):.1f} % ({len(errors)})" if errors else "–"


def held(replay: bt.Replay) -> str:
    found = []
    for level in bt.LEVELS:
        share, n = replay.coverage(level)
        found.append(f"{100 * share:.0f} %" if n else "–")
    return " / ".join(found) + f" ({replay.coverage(0.80)[1]})"


def check_nested(months: list[str], values: list[float], grid: fc.Grid, record: bt.Record) -> int:
    """Replay each origin from the series cut there; stop on any difference. Origins checked."""
    for origin in (int(o) for o in record.starts):
        then = model_as_of(months, values, month=add_months(grid.start, origin), horizon=24)
        ranked = bt.rank(record, known=origin, horizon=24, models=list(then.fitted))
        same = ranked.models == then.ranking.models and np.allclose(
            bt.calibrate(record, ranked.best, known=origin).scores, then.calibration.scores
        )
        if not same:
            raise SystemExit(f"origin {add_months(grid.start, origin)}: look-ahead in the backtest")
    return len(record.starts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-check", action="store_true", help="skip the look-ahead check")
    args = parser.parse_args()
    with threadpool_limits(limits=1, user_api="blas"):  # as `sunset forecast` runs
        run(check=not args.no_check)


def run(*, check: bool) -> None:
    with SHIPPED.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    months = [r["month_end"] for r in rows]
    values = [float(r["subscribers_10k"]) for r in rows]
    started = time.perf_counter()
    grid = fc.to_grid(months, values)
    fitted = {m: fc.fit(m, grid.logs, grid.observed) for m in fc.CANDIDATES}
    record = bt.record(grid, fitted, refit=True)
    took = time.perf_counter() - started
    print(
        f"series: {len(rows)} published months, fit from {grid.start} to {grid.last};"
        f" {len(record.starts)} origins; every candidate refitted at every origin in {took:.1f} s"
    )
    accuracy(record, grid)
    if check:
        started = time.perf_counter()
        checked = check_nested(months, values, grid, record)
        print(
            f"\nlook-ahead check: {checked} origins replayed from the series cut there, same"
            f" choice and calibration ({time.perf_counter() - started:.1f} s)"
        )
    later(months, values)


def accuracy(record: bt.Record, grid: fc.Grid) -> None:
    print("\n| method | " + " | ".join(f"MAPE {h} m (n)" for h in HORIZONS), end="")
    print(" | 80 % / 95 % held (n) |")
    print("| --- |" + " --- |" * (len(HORIZONS) + 1))
    models = list(fc.CANDIDATES)
    asked = {h: bt.replay(record, horizon=h, models=models) for h in HORIZONS}
    chosen = [asked[h].errors[h] for h in HORIZONS]
    print(f"| chosen (asked h) | {' | '.join(cell(e) for e in chosen)} | – |")
    whole = bt.replay(record, horizon=24, models=models)
    print(f"| chosen (asked 24) | {' | '.join(cell(whole.errors[h]) for h in HORIZONS)}", end="")
    print(f" | {held(whole)} |")
    for model in models:
        alone = bt.replay(record, horizon=24, models=[model])
        errors = " | ".join(cell(alone.errors[h]) for h in HORIZONS)
        print(f"| {model} | {errors} | {held(alone)} |")
    decay = baseline(record, grid, decay_12)
    for name, method in (("linear_12", linear_12), ("decay_12", decay_12)):
        errors = " | ".join(cell(e) for e in baseline(record, grid, method).values())
        print(f"| {name} | {errors} | – |")
    print("\nchosen (asked h) against decay_12: ", end="")
    gains = []
    for h, errors in zip(HORIZONS, chosen, strict=True):
        ours, theirs = np.mean(errors), np.mean(decay[h])
        gains.append(f"{h} m {100 * (1 - ours / theirs):+.0f} %")
    print(", ".join(gains) + " (positive: lower error than constant-rate decay)")
    print("coverage of `chosen (asked 24)` by months ahead, 80 % / 95 %: ", end="")
    print(
        ", ".join(
            f"{h} m {100 * whole.coverage(0.80, [h])[0]:.0f} / "
            f"{100 * whole.coverage(0.95, [h])[0]:.0f} % ({whole.coverage(0.80, [h])[1]})"
            for h in HORIZONS
        )
    )


def later(months: list[str], values: list[float]) -> None:
    """Score the forecast from the whole shipped series against the figures published after."""
    ahead = max(months_between(months[-1], m) for m in LATER)
    # As `sunset forecast --national` asks: PHS is retiring, so it is closed to new users.
    request = Request("phs:national", "10k subscribers", months, values, horizon=ahead, closed=True)
    result = outlook(request)
    points = {p.month: p for p in result.points}
    grid = fc.to_grid(months, values)
    decay = decay_12(grid, len(grid.logs) - 1)
    print(
        f"\nafter the series: `sunset forecast --national --horizon {ahead}` from {months[-1]}"
        f" (model {result.model}) against the ministry's later figures"
    )
    print("| month | published | forecast | 80 % | 95 % | decay_12 | source |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    errors, naive, inside = [], [], [0, 0]
    for month, (value, source) in LATER.items():
        p = points[month]
        h = months_between(months[-1], month)
        errors.append(abs(p.expected - value) / value)
        naive.append(abs(math.exp(decay[h - 1]) - value) / value)
        inside[0] += p.lo80 <= value <= p.hi80
        inside[1] += p.lo95 <= value <= p.hi95
        print(
            f"| {month} (+{h} m) | {value:,.1f} | {p.expected:,.1f} |"
            f" {p.lo80:,.0f}–{p.hi80:,.0f} | {p.lo95:,.0f}–{p.hi95:,.0f} |"
            f" {math.exp(decay[h - 1]):,.1f} | {source} |"
        )
    print(
        f"MAPE {100 * np.mean(errors):.1f} % (decay_12 {100 * np.mean(naive):.1f} %);"
        f" inside the 80 % interval {inside[0]} of {len(LATER)}, the 95 % one {inside[1]};"
        f" hard core {result.hard_core}"
    )


if __name__ == "__main__":
    main()
