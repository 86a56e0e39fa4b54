"""Forecast a declining base: candidate models on log counts.

Pure: values in, values out (numpy; statsmodels and scipy imported lazily: they cost seconds).

How a series is prepared, for month-end counts that may miss months: the fit starts at the
series' peak (the decline is what is forecast; the growth years before it would only mislead a
trend). Counts are taken in logs (a base that shrinks by a share each month is a straight line
there) and missing months are filled by linear interpolation in log space, i.e. a constant
rate of decline across each gap; the models that read only the observed months say so.

Candidates, each giving for every future month a mean and a standard deviation of the log
count (normal, additive errors):

- ``ets_damped``: exponential smoothing with a damped additive trend (the decline's pace
  fades: a damped trend on the log scale);
- ``ets_trend``: the same without damping (Holt's linear trend);
- ``log_drift``: a random walk with drift at the pace of the last 12 months (constant-rate
  decay with noise; the default when no backtest can choose);
- ``floor_decay``: decay towards a fitted floor, the hard core (``forecast_models``);
- ``hazard_aging``: a monthly leaving rate that falls as the remaining base ages
  (``forecast_models``).

Which one forecasts, and how wide its intervals are, is decided by the rolling-origin backtest
in ``backtest.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from sunset.stats import forecast_models as fm
from sunset.stats.rules import add_months, month_grid, months_between

MIN_TRAIN = 12  # months of history before a backtest origin
MIN_ETS = 10  # fewer months than this: exponential smoothing is not tried
# Initial level and trend from the first months (statsmodels' heuristic) rather than estimated
# with the smoothing parameters: three parameters to optimise instead of five, 3-5x faster.
ETS_INITIALIZATION = "heuristic"
DRIFT_WINDOW = 12  # the drift is the mean monthly change of the last year (the pace changes)
FLOOR_SHARE = 1e-4  # a count of zero is taken as this share of the peak (logs need > 0)
Z80, Z95 = NormalDist().inv_cdf(0.90), NormalDist().inv_cdf(0.975)
MIN_WINDOWED = 6  # months before the floor and hazard models are tried
CANDIDATES = ("ets_damped", "ets_trend", "log_drift", "floor_decay", "hazard_aging")
DEFAULT = "log_drift"  # what forecasts when no backtest can choose
CURVES = ("floor_decay", "hazard_aging")  # fitted by least squares on a window of months

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
    floor: fm.Floor | None = None  # the hard core, for a model that has one
    # The same parameters from later origins: (their log counts, months after the fit's last
    # month, months ahead) -> log points; for the models fitted on a window of months.
    carried: Callable[[np.ndarray, np.ndarray, int], np.ndarray] | None = None


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


def _floor(logs: np.ndarray, observed: np.ndarray | None) -> Fitted:
    found = fm.fit_floor(logs, observed)
    last = logs[-1:]

    def forecast(horizon: int) -> Prediction:
        def path(params: np.ndarray) -> np.ndarray:
            return fm.floor_paths(params, last, horizon)[0]

        return path(found.params), fm.spread(path, found, horizon)

    def carried(levels: np.ndarray, _: np.ndarray, horizon: int) -> np.ndarray:
        return fm.floor_paths(found.params, levels, horizon)

    def from_origins(starts: Sequence[int], horizon: int) -> np.ndarray:
        return carried(logs[list(starts)], np.asarray(starts), horizon)

    return Fitted("floor_decay", forecast, from_origins, fm.floor_of(found), carried)


def _hazard(logs: np.ndarray, observed: np.ndarray | None) -> Fitted:
    found, age = fm.fit_hazard(logs, observed)  # age: of the base at the last month

    def forecast(horizon: int) -> Prediction:
        def path(params: np.ndarray) -> np.ndarray:
            return logs[-1] + fm.hazard_steps(params, np.array([age]), horizon)[0]

        return path(found.params), fm.spread(path, found, horizon)

    def carried(levels: np.ndarray, later: np.ndarray, horizon: int) -> np.ndarray:
        ages = np.maximum(age + np.asarray(later, dtype=float), 0.0)
        return levels[:, None] + fm.hazard_steps(found.params, ages, horizon)

    def from_origins(starts: Sequence[int], horizon: int) -> np.ndarray:
        return carried(logs[list(starts)], np.asarray(starts) - (len(logs) - 1), horizon)

    return Fitted("hazard_aging", forecast, from_origins, carried=carried)


Fitter = Callable[[np.ndarray, np.ndarray | None], Fitted]
FITTERS: dict[str, Fitter] = {
    "ets_damped": lambda logs, _: _ets(logs, damped=True),
    "ets_trend": lambda logs, _: _ets(logs, damped=False),
    "log_drift": lambda logs, _: _drift(logs),
    "floor_decay": _floor,
    "hazard_aging": _hazard,
}
DESCRIPTIONS = {
    "ets_damped": "exponential smoothing, damped additive trend, on log counts",
    "ets_trend": "exponential smoothing, additive trend (Holt), on log counts",
    "log_drift": "random walk with drift on log counts (constant-rate decay, last 12 months)",
    "floor_decay": f"decay towards a fitted floor (the hard core), last {fm.WINDOW} months",
    "hazard_aging": (
        f"a leaving rate that falls as the remaining base ages, last {fm.WINDOW} months"
    ),
}


def fit(model: str, logs: np.ndarray, observed: np.ndarray | None = None) -> Fitted:
    """Fit a candidate on a series of log counts (``observed``: which months were published)."""
    return FITTERS[model](logs, observed)


def predict(
    model: str, logs: np.ndarray, horizon: int, observed: np.ndarray | None = None
) -> Prediction:
    """Fit ``model`` and forecast ``horizon`` months of log counts; refuse a non-finite answer."""
    return finite(model, fit(model, logs, observed).forecast(horizon))


def finite(model: str, prediction: Prediction) -> Prediction:
    """Return ``prediction`` if every number in it is finite; raise ArithmeticError otherwise."""
    mean, sd = prediction
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(sd))):
        raise ArithmeticError(f"{model} gave no finite forecast")
    return mean, sd


def usable(model: str, length: int) -> bool:
    """Tell whether ``model`` can be fitted on ``length`` months."""
    if model.startswith("ets"):
        return length >= MIN_ETS
    return length >= (MIN_WINDOWED if model in CURVES else 2)


def origins(grid: Grid, *, max_origins: int | None = None) -> list[int]:
    """Observed months with enough history and a later observation: where a backtest starts."""
    found = [i for i in range(MIN_TRAIN - 1, len(grid.logs) - 1) if grid.observed[i]]
    return found[-max_origins:] if max_origins else found


def truncated(grid: Grid, end: int) -> Grid:
    """The grid as it was known at month ``end`` (an index): the months up to it."""
    return Grid(grid.start, grid.logs[: end + 1], grid.observed[: end + 1], grid.floor)
