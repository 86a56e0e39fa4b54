"""The outlook of one series: choose a model, forecast with intervals, when and whether it clears.

Pure: values in (months, counts, deadline), a ``Forecast`` out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from threadpoolctl import threadpool_limits

from sunset.stats import forecast as fc
from sunset.stats.rules import add_months, months_between
from sunset.stats.schemas import CandidateScore, Forecast, ForecastPoint

SEARCH_MONTHS = 240  # how far ahead the threshold month is looked for
DEFAULT_THRESHOLD_SHARE = 0.01
MAX_BACKTEST_HORIZON = 12
MIN_CALIBRATION = 10  # scored backtest forecasts needed to widen the intervals


@dataclass(frozen=True)
class Request:
    """What to forecast: a series, its unit, how far, the threshold and the deadline."""

    series: str
    unit: str
    months: Sequence[str]
    values: Sequence[float]
    horizon: int = 24
    threshold: float | None = None  # absolute, in the unit; default: a share of the start
    threshold_share: float = DEFAULT_THRESHOLD_SHARE
    deadline: str | None = None  # YYYY-MM: the month by whose end the base must be cleared
    refit: bool = True
    max_origins: int | None = None


def choose(
    grid: fc.Grid, *, horizon: int, refit: bool, max_origins: int | None
) -> list[tuple[fc.Backtest, fc.Fitted]]:
    """Fit and backtest every usable candidate; the best (lowest MAPE, then candidate order)
    first, each with its fit on the whole series."""
    horizons = range(1, min(horizon, MAX_BACKTEST_HORIZON) + 1)
    starts = fc.origins(grid, max_origins=max_origins)
    results: list[tuple[fc.Backtest, fc.Fitted]] = []
    for model in fc.CANDIDATES:
        if not fc.usable(model, len(grid.logs)):
            continue
        fitted = fc.fit(model, grid.logs)
        paths = fc.refitted(model, grid.logs) if refit else fitted.from_origins
        scored = fc.backtest(grid, paths, horizons=horizons, starts=starts, name=model)
        results.append((scored, fitted))
    order = {m: i for i, m in enumerate(fc.CANDIDATES)}
    return sorted(results, key=lambda r: (_score(r[0]), order[r[0].model]))


@dataclass(frozen=True)
class Choice:
    """The candidates ranked by backtest, and the best one's forecast with calibrated sd."""

    ranked: list[tuple[fc.Backtest, fc.Fitted]]
    mean: np.ndarray
    sd: np.ndarray
    scale: float

    @property
    def best(self) -> fc.Backtest:
        return self.ranked[0][0]


def forecast_best(
    grid: fc.Grid, *, months: int, horizon: int, refit: bool, max_origins: int | None
) -> Choice:
    """Choose by backtest, forecast ``months`` ahead, widen the intervals by the backtest."""
    ranked = choose(grid, horizon=horizon, refit=refit, max_origins=max_origins)
    best, fitted = ranked[0]
    mean, sd = fc.finite(best.model, fitted.forecast(months))
    scale = interval_scale(best, sd)
    return Choice(ranked, mean, sd * scale, scale)


def interval_scale(result: fc.Backtest, sd: np.ndarray) -> float:
    """How much to widen a model's intervals so that they held 80 % of its backtest errors.

    Each backtest error (in logs) is divided by the model's own standard deviation at that
    horizon; if more than a fifth of these exceed z80 (1.28), every standard deviation is
    multiplied until exactly a fifth do; never narrowed, and left alone with fewer than
    ``MIN_CALIBRATION`` scored forecasts. Example: scaled errors whose 80th percentile is 2.0
    give a factor 2.0 / 1.28 = 1.56, applied to the 95 % interval and P(clear) alike.
    """
    scaled = [abs(e) / sd[h - 1] for h, e in result.residuals if sd[h - 1] > 0]
    if len(scaled) < MIN_CALIBRATION:
        return 1.0
    return max(1.0, float(np.quantile(scaled, 0.8)) / fc.Z80)


def _score(result: fc.Backtest) -> float:
    mape = result.mape()
    return math.inf if mape is None else mape


def threshold_month(grid: fc.Grid, expected: np.ndarray, threshold: float) -> str | None:
    """The first month the base is below ``threshold``: observed if it already is, else the
    first forecast month whose expected value is."""
    log_threshold = math.log(threshold)
    for i, log in enumerate(grid.logs):
        if grid.observed[i] and log < log_threshold:
            return add_months(grid.start, i)
    below = np.flatnonzero(expected < threshold)
    return add_months(grid.last, int(below[0]) + 1) if len(below) else None


def p_clear(
    grid: fc.Grid, mean: np.ndarray, sd: np.ndarray, threshold: float, deadline: str
) -> float:
    """The probability that the base is below ``threshold`` at the end of the deadline month.

    From the predictive distribution of that month (normal in logs): P = Φ((log t − m) / s). A
    declining base that is below the threshold at the deadline has, in practice, crossed it by
    then (a path that dips below and climbs back is negligible for a base that only shrinks), so
    this is the chance of clearing by the deadline. What was observed is a fact: 1 if an observed
    month up to the deadline was below the threshold; 0 if the deadline month is past and none was.
    """
    ahead = months_between(grid.last, deadline)
    upto = len(grid.logs) + min(ahead, 0)
    if np.any(grid.logs[:upto][grid.observed[:upto]] < math.log(threshold)):
        return 1.0  # already cleared by the deadline
    if ahead <= 0:
        return 0.0
    m, s = mean[ahead - 1], sd[ahead - 1]
    z = (
        (math.log(threshold) - m) / s
        if s > 0
        else (math.inf if m < math.log(threshold) else -math.inf)
    )
    return float(NormalDist().cdf(z)) if math.isfinite(z) else (1.0 if z > 0 else 0.0)


def _points(grid: fc.Grid, mean: np.ndarray, sd: np.ndarray, horizon: int) -> list[ForecastPoint]:
    def level(z: float, i: int) -> float:
        return round(math.exp(mean[i] + z * sd[i]), 4)

    return [
        ForecastPoint(
            month=add_months(grid.last, i + 1),
            expected=level(0.0, i),
            lo80=level(-fc.Z80, i),
            hi80=level(fc.Z80, i),
            lo95=level(-fc.Z95, i),
            hi95=level(fc.Z95, i),
        )
        for i in range(horizon)
    ]


def _notes(grid: fc.Grid, refit: bool, model: str, scale: float) -> list[str]:
    filled = int((~grid.observed).sum())
    notes = [
        f"model: {fc.DESCRIPTIONS[model]}; fitted from the peak ({grid.start}) on",
        "expected is the median of the predictive distribution (log-normal)",
    ]
    if scale > 1:
        notes.append(
            f"intervals widened x{scale:.2f} so that the 80 % interval holds 80 % of the"
            " backtest errors (the fitted noise alone was too small)"
        )
    if filled:
        notes.append(
            f"{filled} missing month(s) filled by linear interpolation of log counts for fitting;"
            " backtest errors are measured at observed months only"
        )
    if not refit:
        notes.append("backtest reused the parameters fitted on the whole series (no refit)")
    return notes


def outlook(request: Request) -> Forecast:
    """Forecast a series; say when it falls below the threshold and the chance of clearing.

    BLAS runs on one thread here: the matrices are tiny, and on a busy machine OpenBLAS threads
    spinning for work made the fits seven times slower (300 regions: 22 s against 3 s).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _outlook(request)


def _outlook(request: Request) -> Forecast:
    if len(request.months) < 2:
        raise ValueError(f"{request.series}: at least two months are needed to forecast")
    grid = fc.to_grid(request.months, request.values)
    choice = forecast_best(
        grid,
        months=max(request.horizon, SEARCH_MONTHS),
        horizon=request.horizon,
        refit=request.refit,
        max_origins=request.max_origins,
    )
    best, mean, sd = choice.best, choice.mean, choice.sd
    threshold = request.threshold or request.threshold_share * math.exp(grid.logs[0])
    expected = np.exp(mean)
    return Forecast(
        unit=request.unit,
        points=_points(grid, mean, sd, request.horizon),
        threshold_month=threshold_month(grid, expected, threshold),
        p_clear_by_deadline=_p_clear(grid, choice, threshold, request.deadline),
        series=request.series,
        model=best.model,
        backtest_mape=_rounded(best.mape()),
        candidates=_candidates(choice),
        threshold=round(threshold, 4),
        deadline=request.deadline,
        fit_from=grid.start,
        last_observed=grid.last,
        last_value=float(request.values[-1]),
        observed_months=int(grid.observed.sum()),
        interpolated_months=grid.filled(),
        notes=_notes(grid, request.refit, best.model, choice.scale),
        interval_scale=round(choice.scale, 3),
        history=dict(zip(request.months, map(float, request.values), strict=True)),
    )


def _candidates(choice: Choice) -> list[CandidateScore]:
    return [
        CandidateScore(model=r.model, backtest_mape=_rounded(r.mape()), backtest_forecasts=r.count)
        for r, _ in choice.ranked
    ]


def _p_clear(grid: fc.Grid, choice: Choice, threshold: float, deadline: str | None) -> float | None:
    if deadline is None:
        return None
    return round(p_clear(grid, choice.mean, choice.sd, threshold, deadline), 4)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
