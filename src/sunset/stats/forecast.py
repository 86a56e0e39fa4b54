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
   random walk with drift at the pace of the last 12 months: constant-rate decay with noise).
   Each gives, for every future month, a mean and a standard deviation of the log count
   (normal, additive errors).
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
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from sunset.stats.rules import add_months, month_grid, months_between

MIN_TRAIN = 12  # months of history before a backtest origin
MIN_ETS = 10  # fewer months than this: exponential smoothing is not tried
# Initial level and trend from the first months (statsmodels' heuristic) rather than estimated
# with the smoothing parameters: three parameters to optimise instead of five, 3-5x faster.
ETS_INITIALIZATION = "heuristic"
DRIFT_WINDOW = 12  # the drift is the mean monthly change of the last year (the pace changes)
FLOOR_SHARE = 1e-4  # a count of zero is taken as this share of the peak (logs need > 0)
Z80, Z95 = NormalDist().inv_cdf(0.90), NormalDist().inv_cdf(0.975)
CANDIDATES = ("ets_damped", "ets_trend", "log_drift")

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

    def filled(self) -> list[str]:
        """The months that were not observed (filled by interpolation)."""
        return [m for m, seen in zip(self.months(), self.observed, strict=True) if not seen]


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


@dataclass(frozen=True)
class Fitted:
    """A candidate fitted on a series: forecasts from its end, and from earlier origins.

    ``from_origins(starts, h)`` gives the point forecasts 1..h months ahead from each origin with
    the parameters fitted on the whole series: the states at an origin are those the same
    filter reached there, so no refit is needed (exact: it is what the model would forecast
    with these parameters knowing only the months up to the origin).
    """

    model: str
    forecast: Callable[[int], Prediction]
    from_origins: Callable[[Sequence[int], int], np.ndarray]


def _drift(logs: np.ndarray) -> Fitted:
    steps = np.diff(logs[-(DRIFT_WINDOW + 1) :])
    mu = float(steps.mean()) if len(steps) else 0.0
    sd = float(steps.std(ddof=1)) if len(steps) > 1 else 0.0
    n = max(len(steps), 1)

    def forecast(horizon: int) -> Prediction:
        h = np.arange(1, horizon + 1, dtype=float)
        # Noise of h steps plus the uncertainty of the estimated drift itself.
        return logs[-1] + h * mu, sd * np.sqrt(h + h * h / n)

    def from_origins(starts: Sequence[int], horizon: int) -> np.ndarray:
        return logs[list(starts)][:, None] + mu * np.arange(1, horizon + 1)[None, :]

    return Fitted("log_drift", forecast, from_origins)


def _ets(logs: np.ndarray, *, damped: bool) -> Fitted:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    model = ETSModel(
        pd.Series(logs),
        error="add",
        trend="add",
        damped_trend=damped,
        initialization_method=ETS_INITIALIZATION,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model.fit(disp=False)
    params = dict(zip(fitted.param_names, np.asarray(fitted.params, dtype=float), strict=True))
    states = np.asarray(fitted.states, dtype=float)  # level and trend after each month
    phi = params.get("damping_trend", 1.0)

    def forecast(horizon: int) -> Prediction:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pred = fitted.get_prediction(start=len(logs), end=len(logs) + horizon - 1)
        mean = np.asarray(pred.predicted_mean, dtype=float)
        return mean, np.sqrt(np.maximum(np.asarray(pred.forecast_variance, dtype=float), 0.0))

    def from_origins(starts: Sequence[int], horizon: int) -> np.ndarray:
        # Forecast h ahead: level + (phi + phi^2 + ... + phi^h) * trend.
        reach = np.cumsum(phi ** np.arange(1, horizon + 1))
        chosen = states[list(starts)]
        return chosen[:, :1] + reach[None, :] * chosen[:, 1:2]

    return Fitted("ets_damped" if damped else "ets_trend", forecast, from_origins)


FITTERS: dict[str, Callable[[np.ndarray], Fitted]] = {
    "ets_damped": lambda logs: _ets(logs, damped=True),
    "ets_trend": lambda logs: _ets(logs, damped=False),
    "log_drift": _drift,
}
DESCRIPTIONS = {
    "ets_damped": "exponential smoothing, damped additive trend, on log counts",
    "ets_trend": "exponential smoothing, additive trend (Holt), on log counts",
    "log_drift": "random walk with drift on log counts (constant-rate decay, last 12 months)",
}


def fit(model: str, logs: np.ndarray) -> Fitted:
    """Fit a candidate on a series of log counts."""
    return FITTERS[model](logs)


def predict(model: str, logs: np.ndarray, horizon: int) -> Prediction:
    """Fit ``model`` and forecast ``horizon`` months of log counts; refuse a non-finite answer."""
    return finite(model, fit(model, logs).forecast(horizon))


def finite(model: str, prediction: Prediction) -> Prediction:
    """Return ``prediction`` if every number in it is finite; raise ArithmeticError otherwise."""
    mean, sd = prediction
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
    # (months ahead, actual minus forecast log count) of every scored forecast
    residuals: list[tuple[int, float]] = field(default_factory=list)

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


Paths = Callable[[Sequence[int], int], np.ndarray]  # origins, months ahead -> log points


def refitted(model: str, logs: np.ndarray) -> Paths:
    """Point forecasts from each origin by a model refitted on the months up to it."""

    def paths(starts: Sequence[int], horizon: int) -> np.ndarray:
        found = np.full((len(starts), horizon), np.nan)
        for row, origin in enumerate(starts):
            if not usable(model, origin + 1):
                continue
            try:
                found[row] = finite(model, fit(model, logs[: origin + 1]).forecast(horizon))[0]
            except (ArithmeticError, ValueError, np.linalg.LinAlgError):
                continue  # a fit that fails at one origin leaves that origin unscored
        return found

    return paths


def backtest(
    grid: Grid, paths: Paths, *, horizons: Sequence[int], starts: Sequence[int], name: str
) -> Backtest:
    """Forecast from each origin in ``starts``; measure the error at observed months ahead."""
    errors: dict[int, list[float]] = {h: [] for h in horizons}
    residuals: list[tuple[int, float]] = []
    if not starts:
        return Backtest(name, errors)
    points = paths(starts, max(horizons))
    for row, origin in enumerate(starts):
        for h in horizons:
            target, point = origin + h, points[row, h - 1]
            if target >= len(grid.logs) or not grid.observed[target] or not np.isfinite(point):
                continue
            actual = math.exp(grid.logs[target])
            errors[h].append(abs(math.exp(point) - actual) / actual)
            residuals.append((h, float(grid.logs[target] - point)))
    return Backtest(name, errors, residuals)
