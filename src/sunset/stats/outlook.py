"""The outlook of one series: a model chosen for the horizon asked, a forecast with intervals
calibrated on the backtest, when and whether the base clears.

Pure: values in (months, counts, deadline), a ``Forecast`` out. A series too short for its own
backtest to calibrate anything follows the shape of a reference series (the national one),
scaled to its last count (``regional.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from sunset.stats import backtest as bt
from sunset.stats import clearance as cl
from sunset.stats import forecast as fc
from sunset.stats.rules import add_months
from sunset.stats.schemas import (
    CandidateScore,
    ClearanceDate,
    Coverage,
    Forecast,
    ForecastPoint,
    HardCore,
    HorizonError,
)

SEARCH_MONTHS = 240  # how far ahead the threshold month is looked for
DEFAULT_THRESHOLD_SHARE = 0.01


@dataclass(frozen=True)
class Series:
    """A named series of month-end counts (months in order)."""

    name: str
    months: Sequence[str]
    values: Sequence[float]


@dataclass(frozen=True)
class Request:
    """What to forecast: a series, its unit, how far, the threshold and the deadline.

    ``closed``: no one can join (the network has a retirement plan), so no bound of the fan
    rises above the last observed count. ``reference``: the series whose shape a series too
    short to be calibrated on its own follows (the national one).
    """

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
    closed: bool = False
    reference: Series | None = None


@dataclass(frozen=True)
class Model:
    """A series' chosen model: its forecast far ahead (log mean and the model's own sd), its
    calibration, the backtest it was chosen on and the procedure replayed."""

    grid: fc.Grid
    fitted: dict[str, fc.Fitted]
    record: bt.Record
    ranking: bt.Ranking
    name: str
    mean: np.ndarray
    sd: np.ndarray
    calibration: bt.Calibration
    replay: bt.Replay
    horizon: int


def model_of(
    grid: fc.Grid, *, horizon: int, months: int, refit: bool, max_origins: int | None
) -> Model:
    """Fit the candidates, backtest them, choose for ``horizon``, forecast ``months`` ahead."""
    fitted = _fitted(grid)
    record = bt.record(grid, fitted, refit=refit, max_origins=max_origins)
    last = len(grid.logs) - 1
    ranking = bt.rank(record, known=last, horizon=horizon, models=list(fitted))
    name, (mean, sd) = _first_finite(ranking.models, fitted, months)
    return Model(
        grid=grid,
        fitted=fitted,
        record=record,
        ranking=ranking,
        name=name,
        mean=mean,
        sd=sd,
        calibration=bt.calibrate(record, name, known=last),
        replay=bt.replay(record, horizon=horizon, models=list(fitted)),
        horizon=horizon,
    )


def model_as_of(
    months: Sequence[str], values: Sequence[float], *, month: str, horizon: int
) -> Model:
    """The model as it was chosen and calibrated at the end of ``month``, from the months up to
    it only: what the forecast would have said then (and the check that a backtest replayed at
    that origin saw nothing later)."""
    known = sum(1 for m in months if m <= month)
    return model_of(
        fc.to_grid(months[:known], values[:known]),
        horizon=horizon,
        months=bt.MAX_AHEAD,
        refit=True,
        max_origins=None,
    )


def _fitted(grid: fc.Grid) -> dict[str, fc.Fitted]:
    found = {}
    for model in fc.CANDIDATES:
        if not fc.usable(model, len(grid.logs)):
            continue
        try:
            found[model] = fc.fit(model, grid.logs, grid.observed)
        except bt.FITS_THAT_FAIL:
            continue  # e.g. too few published months in the floor model's window
    return found


def _first_finite(
    models: Sequence[str], fitted: dict[str, fc.Fitted], months: int
) -> tuple[str, fc.Prediction]:
    problems = []
    for model in models:
        try:
            return model, fc.finite(model, fitted[model].forecast(months))
        except bt.FITS_THAT_FAIL as exc:
            problems.append(str(exc))
    raise ArithmeticError("; ".join(problems) or "no model could be fitted")


def outlook(request: Request) -> Forecast:
    """Forecast a series; say when it falls below the threshold and the chance of clearing.

    BLAS runs on one thread here: the matrices are tiny, and on a busy machine OpenBLAS threads
    spinning for work made the fits seven times slower (300 regions: 22 s against 3 s).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _outlook(request)


def _outlook(request: Request) -> Forecast:
    from sunset.stats.regional import scaled  # regional builds on this module

    if len(request.months) < 2:
        raise ValueError(f"{request.series}: at least two months are needed to forecast")
    grid = fc.to_grid(request.months, request.values)
    own = model_of(
        grid,
        horizon=request.horizon,
        months=max(request.horizon, SEARCH_MONTHS),
        refit=request.refit,
        max_origins=request.max_origins,
    )
    if own.calibration.calibrated or request.reference is None:
        return assemble(request, grid, own, own.mean)
    return scaled(request, grid, own, request.reference)


def assemble(
    request: Request,
    grid: fc.Grid,
    chosen: Model,
    mean: np.ndarray,
    *,
    shape_from: str | None = None,
    extra_notes: Sequence[str] = (),
) -> Forecast:
    """The forecast of ``grid`` along ``mean`` (log counts, month 1 = after the last) with the
    spread, calibration and backtest of ``chosen`` (its own model, or a reference series')."""
    threshold = request.threshold or request.threshold_share * math.exp(grid.logs[0])
    ceiling = float(request.values[-1]) if request.closed else math.inf
    when, p_clear = _clearing(request, grid, chosen, mean, threshold)
    return Forecast(
        unit=request.unit,
        points=points(grid, mean, chosen, request.horizon, ceiling),
        threshold_month=when.expected,
        p_clear_by_deadline=p_clear,
        series=request.series,
        model=chosen.name,
        backtest_mape=_rounded(chosen.ranking.mape.get(chosen.name)),
        candidates=_candidates(chosen),
        threshold=round(threshold, 4),
        deadline=request.deadline,
        fit_from=grid.start,
        last_observed=grid.last,
        last_value=float(request.values[-1]),
        observed_months=int(grid.observed.sum()),
        interpolated_months=grid.filled(),
        notes=[*notes(grid, request, chosen, shape_from), *extra_notes],
        interval_scale=round(widening(chosen, request.horizon), 3),
        history=dict(zip(request.months, map(float, request.values), strict=True)),
        chosen_on=list(range(chosen.ranking.band[0], chosen.ranking.band[1] + 1)),
        backtest_errors=[
            HorizonError(months_ahead=h, mape=_rounded(chosen.replay.mape(h)), forecasts=len(e))
            for h, e in chosen.replay.errors.items()
        ],
        coverage=coverage(chosen, shape_from or request.series),
        clearance=ClearanceDate(
            expected=when.expected, earliest80=when.earliest80, latest80=when.latest80
        ),
        hard_core=None if shape_from else hard_core(chosen),
        closed=request.closed,
        shape_from=shape_from,
    )


def _clearing(
    request: Request, grid: fc.Grid, chosen: Model, mean: np.ndarray, threshold: float
) -> tuple[cl.Clearance, float | None]:
    """The clearance month with its range, and the chance of clearing by the deadline."""
    share = cl.cleared_share(mean, chosen.sd[: len(mean)], chosen.calibration, threshold)
    when = cl.clearance(grid, mean, share, threshold)
    if request.deadline is None:
        return when, None
    return when, round(cl.p_clear(grid, share, threshold, request.deadline), 4)


def points(
    grid: fc.Grid, mean: np.ndarray, chosen: Model, horizon: int, ceiling: float
) -> list[ForecastPoint]:
    """Expected (the median) and the calibrated 80 % and 95 % bounds, none above ``ceiling``."""
    sd = chosen.sd[:horizon]
    wide = {p: chosen.calibration.half_width(p, sd) for p in bt.LEVELS}

    def level(i: int, p: float | None, sign: int = 0) -> float:
        log = mean[i] + (sign * wide[p][i] if p else 0.0)
        return round(min(math.exp(log), ceiling), 4)

    return [
        ForecastPoint(
            month=add_months(grid.last, i + 1),
            expected=level(i, None),
            lo80=level(i, 0.80, -1),
            hi80=level(i, 0.80, 1),
            lo95=level(i, 0.95, -1),
            hi95=level(i, 0.95, 1),
        )
        for i in range(horizon)
    ]


def widening(chosen: Model, horizon: int) -> float:
    """How much wider the calibrated 80 % interval is than the model's own at ``horizon``."""
    sd = chosen.sd[:horizon]
    own = fc.Z80 * float(sd[-1])
    return float(chosen.calibration.half_width(0.80, sd)[-1]) / own if own > 0 else 1.0


def coverage(chosen: Model, source: str) -> Coverage:
    """The replayed coverage of both intervals over 1..min(horizon, MAX_AHEAD) months ahead."""
    top = min(chosen.horizon, bt.MAX_AHEAD)
    held80, n = chosen.replay.coverage(0.80)
    held95, _ = chosen.replay.coverage(0.95)
    return Coverage(
        held80=None if not n else round(held80, 3),
        held95=None if not n else round(held95, 3),
        forecasts=n,
        months_ahead=top,
        calibrated=chosen.calibration.calibrated,
        calibration_errors=len(chosen.calibration.scores),
        source=source,
    )


def hard_core(chosen: Model) -> HardCore | None:
    """The floor model's hard core, when it could be fitted (chosen or not)."""
    fitted = chosen.fitted.get("floor_decay")
    if fitted is None or fitted.floor is None:
        return None
    floor = fitted.floor
    return HardCore(
        model="floor_decay",
        value=round(floor.value, 4),
        lo95=round(floor.lo95, 4),
        hi95=round(floor.hi95, 4),
    )


def notes(grid: fc.Grid, request: Request, chosen: Model, shape_from: str | None) -> list[str]:
    """Say what the forecast rests on and what it cannot claim."""
    found = [
        f"model: {fc.DESCRIPTIONS[chosen.name]}; fitted from the peak ({chosen.grid.start}) on",
        _choice_note(chosen),
        _coverage_note(chosen),
        "expected is the median of the predictive distribution (log-normal)",
    ]
    if request.horizon > bt.MAX_AHEAD:
        found.append(
            f"beyond {bt.MAX_AHEAD} months ahead the intervals keep growing at the calibrated"
            " monthly rate: no backtest shows their coverage there"
        )
    filled = int((~grid.observed).sum())
    if filled:
        found.append(
            f"{filled} missing month(s) filled by linear interpolation of log counts for fitting;"
            " backtest errors are measured at observed months only"
        )
    if not request.refit:
        found.append("backtest reused the parameters fitted on the whole series (no refit)")
    if request.closed:
        found.append(
            f"closed to new users: no bound rises above the last count ({request.values[-1]:,.0f})"
        )
    return found


def _choice_note(chosen: Model) -> str:
    ranking = chosen.ranking
    if not ranking.by_backtest:
        return (
            f"too few backtest forecasts to choose on ({bt.MIN_CHOICE} needed): constant-rate"
            " decay, the simplest, by default"
        )
    low, high = ranking.band
    return (
        f"chosen for {chosen.horizon} months ahead: the lowest error {low}-{high} months ahead"
        f" ({ranking.mape[ranking.best]:.1f} % on {ranking.forecasts} backtest forecasts)"
    )


def _coverage_note(chosen: Model) -> str:
    cal = chosen.calibration
    if not cal.calibrated:
        return (
            f"intervals not calibrated: {len(cal.scores)} backtest error(s), {bt.MIN_CALIBRATION}"
            " needed; these are the model's own and no backtest has shown their coverage"
        )
    held80, n = chosen.replay.coverage(0.80)
    held95, _ = chosen.replay.coverage(0.95)
    shown = (
        f"replayed at each origin on what was known then, the 80 % interval held"
        f" {100 * held80:.0f} % and the 95 % one {100 * held95:.0f} % of {n} forecasts"
        if n
        else "no replayed forecast could be scored yet, so no coverage is claimed"
    )
    return (
        f"intervals calibrated on {len(cal.scores)} backtest errors (split-conformal on log"
        f" counts, never narrower than the model's own); {shown}"
    )


def _candidates(chosen: Model) -> list[CandidateScore]:
    last = len(chosen.grid.logs) - 1
    return [
        CandidateScore(
            model=model,
            backtest_mape=_rounded(chosen.ranking.mape.get(model)),
            backtest_forecasts=chosen.ranking.counts.get(model, 0),
            errors=[
                HorizonError(months_ahead=h, mape=_rounded(m), forecasts=n)
                for h, m, n in bt.by_horizon(chosen.record, model, known=last)
            ],
        )
        for model in chosen.ranking.models
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 3)
