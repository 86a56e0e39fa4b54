"""Forecast a declining base: candidate models on log counts, chosen by rolling-origin backtest.

Pure: values in, values out (numpy, and statsmodels imported lazily: it costs seconds to load).

How it works, for a series of month-end counts that may miss months:

1. The fit starts at the series' peak (the decline is what is forecast; the growth years before
   it would only mislead a trend). Counts are taken in logs (a base that shrinks by a share each
   month is a straight line there) and missing months are filled by linear interpolation in log
   space, i.e. a constant rate of decline across each gap. Backtest errors are measured only at
   observed months, never at filled ones.
2. Candidates: ``ets_damped`` (additive-error exponential smoothing with a damped additive
   trend), ``ets_trend`` (the same without damping, Holt's linear trend) and ``log_drift`` (a
   random walk with drift: constant-rate decay with noise). Each gives, for every future month,
   a mean and a standard deviation of the log count (normal, additive errors).
3. Rolling-origin backtest: from every observed month with at least ``MIN_TRAIN`` months of
   history, each candidate is refitted on what was known then and forecasts 1..H months ahead;
   the mean absolute percentage error (MAPE) of the level over every (origin, horizon) pair picks
   the model. With ``refit=False`` (many regions at once) the parameters fitted on the whole
   series are reused at each origin (cheaper, slightly optimistic; said in the notes).
4. The predictive distribution of each month is log-normal: ``expected`` is its median
   ``exp(mean)``, the intervals are ``exp(mean ± z·sd)``, so they always contain the expected
   value and their ratio hi/lo widens with the horizon.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from sunset.stats.rules import add_months, month_grid, months_between

MIN_TRAIN = 12  # months of history before a backtest origin
MIN_ETS = 8  # fewer months than this: exponential smoothing is not tried
FLOOR_SHARE = 1e-4  # a count of zero is taken as this share of the peak (logs need > 0)
Z80, Z95 = NormalDist().inv_cdf(0.90), NormalDist().inv_cdf(0.975)
CANDIDATES = ("ets_damped", "ets_trend", "log_drift")

Params = object
Prediction = tuple[np.ndarray, np.ndarray]  # mean and sd of the log count, one per month ahead


@dataclass(frozen=True)
class Grid:
    """A series on a monthly grid from its peak: log counts, and which months were observed."""

    start: str
    logs: np.ndarray
    observed: np.ndarray
    floor: float

    @property
    def last(self) -> str:
        return add_months(self.start, len(self.logs) - 1)

    def months(self) -> list[str]:
        return month_grid(self.start, self.last)


def to_grid(months: Sequence[str], values: Sequence[float]) -> Grid:
    """Put observations (months in order) on a monthly grid from the peak, logs interpolated."""
    peak = int(np.argmax(values))
    months, values = list(months[peak:]), [float(v) for v in values[peak:]]
    floor = max(values) * FLOOR_SHARE
    positions = np.array([months_between(months[0], m) for m in months], dtype=float)
    logs = np.log(np.maximum(np.array(values), floor))
    everything = np.arange(int(positions[-1]) + 1, dtype=float)
    observed = np.zeros(len(everything), dtype=bool)
    observed[positions.astype(int)] = True
    return Grid(months[0], np.interp(everything, positions, logs), observed, floor)


# --- candidate models ---------------------------------------------------------------------------


def _drift(logs: np.ndarray, horizon: int, params: Params | None) -> tuple[Prediction, Params]:
    steps = np.diff(logs)
    mu, sd = params if isinstance(params, tuple) else (0.0, 0.0)
    if params is None:
        mu = float(steps.mean()) if len(steps) else 0.0
        sd = float(steps.std(ddof=1)) if len(steps) > 1 else 0.0
    h = np.arange(1, horizon + 1, dtype=float)
    n = max(len(steps), 1)
    # Noise of h steps plus the uncertainty of the estimated drift itself.
    return (logs[-1] + h * mu, sd * np.sqrt(h + h * h / n)), (mu, sd)


def _ets(damped: bool) -> Callable[[np.ndarray, int, Params | None], tuple[Prediction, Params]]:
    def predict(logs: np.ndarray, horizon: int, params: Params | None) -> tuple[Prediction, Params]:
        import pandas as pd
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        model = ETSModel(pd.Series(logs), error="add", trend="add", damped_trend=damped)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = model.fit(disp=False) if params is None else model.smooth(params)
            pred = fitted.get_prediction(start=len(logs), end=len(logs) + horizon - 1)
        mean = np.asarray(pred.predicted_mean, dtype=float)
        sd = np.sqrt(np.maximum(np.asarray(pred.forecast_variance, dtype=float), 0.0))
        return (mean, sd), np.asarray(fitted.params)

    return predict


MODELS = {"ets_damped": _ets(True), "ets_trend": _ets(False), "log_drift": _drift}
DESCRIPTIONS = {
    "ets_damped": "exponential smoothing, damped additive trend, on log counts",
    "ets_trend": "exponential smoothing, additive trend (Holt), on log counts",
    "log_drift": "random walk with drift on log counts (constant-rate decay)",
}


def predict(model: str, logs: np.ndarray, horizon: int, params: Params | None = None) -> Prediction:
    """Forecast ``horizon`` months of log counts with ``model``; refuse a non-finite answer."""
    (mean, sd), _ = MODELS[model](logs, horizon, params)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(sd))):
        raise ArithmeticError(f"{model} gave no finite forecast")
    return mean, sd


def usable(model: str, length: int) -> bool:
    """Tell whether ``model`` can be fitted on ``length`` months."""
    return length >= (MIN_ETS if model.startswith("ets") else 2)


# --- backtest -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backtest:
    """Absolute percentage errors of one model, by months ahead."""

    model: str
    errors: dict[int, list[float]]

    def mape(self, horizons: Sequence[int] | None = None) -> float | None:
        chosen = [
            e for h, es in self.errors.items() if horizons is None or h in horizons for e in es
        ]
        return 100.0 * float(np.mean(chosen)) if chosen else None

    @property
    def count(self) -> int:
        return sum(len(es) for es in self.errors.values())


def origins(grid: Grid, *, max_origins: int | None = None) -> list[int]:
    """Observed months with enough history and a later observation: where a backtest starts."""
    found = [i for i in range(MIN_TRAIN - 1, len(grid.logs) - 1) if grid.observed[i]]
    return found[-max_origins:] if max_origins else found


def backtest(
    grid: Grid,
    forecaster: Callable[[np.ndarray, int], np.ndarray],
    *,
    horizons: Sequence[int],
    starts: Sequence[int],
    name: str,
) -> Backtest:
    """Forecast from each origin in ``starts`` and measure the error at observed months ahead.

    ``forecaster(logs, horizon)`` returns the point forecast of the log count.
    """
    errors: dict[int, list[float]] = {h: [] for h in horizons}
    for origin in starts:
        ahead = [h for h in horizons if origin + h < len(grid.logs) and grid.observed[origin + h]]
        if not ahead:
            continue
        try:
            point = forecaster(grid.logs[: origin + 1], max(ahead))
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            continue
        for h in ahead:
            actual = math.exp(grid.logs[origin + h])
            errors[h].append(abs(math.exp(point[h - 1]) - actual) / actual)
    return Backtest(name, errors)


def model_forecaster(
    model: str, params: Params | None = None
) -> Callable[[np.ndarray, int], np.ndarray]:
    """A backtest forecaster for a candidate (refitted at each origin unless ``params``)."""

    def forecaster(logs: np.ndarray, horizon: int) -> np.ndarray:
        if not usable(model, len(logs)):
            raise ValueError("too short")
        return predict(model, logs, horizon, params)[0]

    return forecaster


def fitted_params(model: str, logs: np.ndarray) -> Params:
    """Fit ``model`` on the whole series and return its parameters (for backtests without refit)."""
    return MODELS[model](logs, 1, None)[1]
