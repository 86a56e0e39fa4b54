"""The rolling-origin backtest: what each candidate would have forecast from every origin, the
choice for the horizon asked, and intervals calibrated on the errors (split-conformal).

Pure: values in, values out (numpy).

1. From every observed month with ``MIN_TRAIN`` months of history (an origin), each candidate
   forecasts 1..``MAX_AHEAD`` months, fitted on the months up to the origin only (``refit``),
   or, for many series at once, the smoothing models with the parameters fitted on the whole
   series (``from_origins``: their states at an origin still know only the months up to it).
   The floor and hazard models are refitted even then: their parameters are the very pace and
   floor being forecast, and fitted on the whole series they would be scored on the months they
   were fitted to. In that batch mode they are refitted at every ``BATCH_EVERY``-th origin and
   the origins between carry the last fit's parameters forward from their own count (what was
   known then, a month or two stale): a third of the fits. A forecast is scored only at a month
   that was published, never at an interpolated one.
2. As of a month (``known``), only the forecasts whose target is at or before it are scored:
   the choice and the calibration made at an origin see nothing after it.
3. Choice for a requested horizon H (capped at ``MAX_AHEAD``): the candidate with the lowest mean
   absolute percentage error over the horizons ⌈H/2⌉..H, on the forecasts every eligible
   candidate made (eligible: scored at least half as often as the most scored one); with fewer
   than ``MIN_CHOICE`` of those, over horizons 1..H; with fewer still, the default
   (constant-rate decay), said as such. Never on the one-step error alone.
4. Calibration, split-conformal on the log scale: a rate that is off by u a month is off by u·h
   after h months, so each backtest error of the chosen candidate is scored as |error| / h, and
   the interval at level p and h months ahead has the half-width max(z_p·sd(h), q_p·h), with
   q_p the ⌈(n+1)·p⌉-th smallest of the n scores: never narrower than the model's own. With
   fewer than ``MIN_CALIBRATION`` scores (19: the 95 % quantile needs them) the model's own
   intervals stay and no coverage is claimed. Example: scores of 0.2 %, 0.4 % ... 4 % a month
   (20 of them) give q80 = 3.4 % (the 17th): 12 months ahead, ±41 % in logs unless the model's
   own interval is wider.
5. ``replay`` runs the whole procedure at every origin as of that origin and scores it at the
   published months after it: the error and the coverage that can honestly be claimed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from statistics import NormalDist

import numpy as np

from sunset.stats import forecast as fc

MAX_AHEAD = 24  # months ahead kept and scored in the backtest
MIN_CHOICE = 5  # forecasts compared before a choice is made on them
MIN_CALIBRATION = 19  # scored forecasts before intervals are calibrated (95 % needs 19)
BATCH_EVERY = 3  # a batch refits the floor and hazard models at every third origin
LEVELS = (0.80, 0.95)
Z = {0.80: fc.Z80, 0.95: fc.Z95}
FITS_THAT_FAIL = (ArithmeticError, ValueError, np.linalg.LinAlgError)


@dataclass(frozen=True)
class Record:
    """Every candidate's forecasts (log counts) from every origin, 1..MAX_AHEAD months ahead,
    and the published log count at each target (nan where none was published)."""

    starts: np.ndarray
    actual: np.ndarray
    targets: np.ndarray
    paths: dict[str, np.ndarray]
    sds: dict[str, np.ndarray]

    def residuals(self, model: str, *, known: int) -> np.ndarray:
        """Published minus forecast log count; nan where unscored or published after ``known``."""
        return np.where(self.targets <= known, self.actual - self.paths[model], np.nan)

    @cached_property
    def errors(self) -> dict[str, np.ndarray]:
        """Each model's absolute percentage errors, every published target (asked at every
        origin of a replay: worked out once)."""
        return {m: percentage_errors(self.actual - p) for m, p in self.paths.items()}


def record(
    grid: fc.Grid,
    fitted: Mapping[str, fc.Fitted],
    *,
    refit: bool,
    max_origins: int | None = None,
) -> Record:
    """Forecast from every origin with each candidate in ``fitted`` (fitted on the whole series;
    refitted at each origin on the months up to it when ``refit``)."""
    starts = np.array(fc.origins(grid, max_origins=max_origins), dtype=int)
    targets = starts[:, None] + np.arange(1, MAX_AHEAD + 1)[None, :]
    clipped = np.minimum(targets, len(grid.logs) - 1)
    published = (targets < len(grid.logs)) & grid.observed[clipped]
    actual = np.where(published, grid.logs[clipped], np.nan)
    paths: dict[str, np.ndarray] = {}
    sds: dict[str, np.ndarray] = {}
    for model, fit in fitted.items():
        if refit or model in fc.CURVES:
            every = 1 if refit else BATCH_EVERY
            paths[model], sds[model] = _refitted(grid, model, starts, every=every)
        else:
            paths[model], sds[model] = _reused(fit, starts)
    return Record(starts, actual, targets, paths, sds)


def _refitted(
    grid: fc.Grid, model: str, starts: np.ndarray, *, every: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Refit at every ``every``-th origin; between, carry the last fit forward."""
    means = np.full((len(starts), MAX_AHEAD), np.nan)
    sds = np.full((len(starts), MAX_AHEAD), np.nan)
    last: tuple[fc.Fitted, int, np.ndarray] | None = None
    for row, origin in enumerate(int(s) for s in starts):
        if not fc.usable(model, origin + 1):
            continue
        carry = last[0].carried if last is not None and row % every else None
        if last is not None and carry is not None:
            means[row] = carry(grid.logs[[origin]], np.array([origin - last[1]]), MAX_AHEAD)[0]
            sds[row] = last[2]
            continue
        known = fc.truncated(grid, origin)
        try:
            fitted = fc.fit(model, known.logs, known.observed)
            means[row], sds[row] = fc.finite(model, fitted.forecast(MAX_AHEAD))
        except FITS_THAT_FAIL:
            last = None
            continue  # a fit that fails at one origin leaves that origin unscored
        last = (fitted, origin, sds[row])
    return means, sds


def _reused(fitted: fc.Fitted, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(starts):
        return np.empty((0, MAX_AHEAD)), np.empty((0, MAX_AHEAD))
    sd = fitted.forecast(MAX_AHEAD)[1]
    return fitted.from_origins([int(s) for s in starts], MAX_AHEAD), np.tile(sd, (len(starts), 1))


def percentage_errors(residuals: np.ndarray) -> np.ndarray:
    """|forecast - published| / published, from log residuals (published minus forecast)."""
    return np.abs(np.expm1(-residuals))


# --- the choice ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    """Candidates best first for a horizon, with the error they were compared on."""

    models: list[str]
    mape: dict[str, float | None]  # percent, over the band of horizons, on the common forecasts
    counts: dict[str, int]  # each candidate's scored forecasts in the band
    forecasts: int  # the common forecasts the candidates were compared on
    band: tuple[int, int]
    by_backtest: bool

    @property
    def best(self) -> str:
        return self.models[0]


def rank(record: Record, *, known: int, horizon: int, models: Sequence[str]) -> Ranking:
    """Rank ``models`` for forecasting ``horizon`` months ahead, on what was known at ``known``."""
    top = min(horizon, MAX_AHEAD)
    for band in ((math.ceil(top / 2), top), (1, top)):
        found = _rank_on(record, known, band, models)
        if found is not None:
            return found
    order = sorted(models, key=lambda m: (m != fc.DEFAULT, models.index(m)))
    return Ranking(order, dict.fromkeys(models), dict.fromkeys(models, 0), 0, (1, top), False)


def _rank_on(
    record: Record, known: int, band: tuple[int, int], models: Sequence[str]
) -> Ranking | None:
    low, high = band
    seen = record.targets[:, low - 1 : high] <= known
    errors = {m: np.where(seen, record.errors[m][:, low - 1 : high], np.nan) for m in models}
    counts = {m: int(np.isfinite(e).sum()) for m, e in errors.items()}
    most = max(counts.values(), default=0)
    eligible = [m for m in models if counts[m] >= max(MIN_CHOICE, most / 2)]
    if not eligible:
        return None
    common = np.all(np.stack([np.isfinite(errors[m]) for m in eligible]), axis=0)
    if int(common.sum()) < MIN_CHOICE:
        return None
    mape = {m: 100 * float(errors[m][common].mean()) for m in eligible}
    order = sorted(eligible, key=lambda m: (mape[m], models.index(m)))
    order += [m for m in models if m not in eligible]
    mapes = {m: mape.get(m) for m in models}
    return Ranking(order, mapes, counts, int(common.sum()), band, True)


def by_horizon(record: Record, model: str, *, known: int) -> list[tuple[int, float | None, int]]:
    """(months ahead, MAPE in percent or None, scored forecasts) of one candidate, 1..MAX_AHEAD."""
    errors = np.where(record.targets <= known, record.errors[model], np.nan)
    found = []
    for h in range(1, MAX_AHEAD + 1):
        column = errors[:, h - 1][np.isfinite(errors[:, h - 1])]
        found.append((h, 100 * float(column.mean()) if len(column) else None, len(column)))
    return found


# --- calibration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """The chosen candidate's backtest errors as monthly rates (|log error| / months ahead),
    sorted; the intervals' half-widths and levels that follow from them."""

    scores: np.ndarray

    @property
    def calibrated(self) -> bool:
        return len(self.scores) >= MIN_CALIBRATION

    def quantile(self, level: float) -> float:
        """The conformal quantile of the scores at ``level`` (0 when not calibrated)."""
        n = len(self.scores)
        k = math.ceil((n + 1) * level - 1e-9)
        return float(self.scores[k - 1]) if self.calibrated and k <= n else 0.0

    def half_width(self, level: float, sd: np.ndarray) -> np.ndarray:
        """Half-width in logs of the interval at ``level``, 1..len(sd) months ahead."""
        ahead = np.arange(1, len(sd) + 1)
        return np.maximum(Z[level] * sd, self.quantile(level) * ahead)

    def level_within(self, distance: np.ndarray, sd: np.ndarray) -> np.ndarray:
        """The level of the narrowest calibrated interval whose half-width reaches ``distance``
        (>= 0, logs) at each month ahead: the smaller of the model's normal level and the share
        of backtest scores within ``distance / h`` (counted out of n + 1, as conformal does)."""
        normal = NormalDist()
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(sd > 0, distance / sd, np.where(distance > 0, np.inf, 0.0))
        level = np.array([2 * normal.cdf(float(v)) - 1 if np.isfinite(v) else 1.0 for v in z])
        if not self.calibrated:
            return level
        ahead = np.arange(1, len(sd) + 1)
        within = np.searchsorted(self.scores, distance / ahead, side="right")
        return np.minimum(level, within / (len(self.scores) + 1))


def calibrate(record: Record, model: str, *, known: int) -> Calibration:
    """Calibrate ``model``'s intervals on its backtest errors published up to ``known``."""
    residuals = np.abs(record.residuals(model, known=known))
    scores = residuals / np.arange(1, MAX_AHEAD + 1)[None, :]
    return Calibration(np.sort(scores[np.isfinite(scores)]))


# --- the whole procedure, replayed ---------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    """The procedure replayed at every origin on what was known then (choice and calibration),
    scored at the published months after it: percentage errors and interval hits by horizon."""

    errors: dict[int, list[float]]
    held: dict[float, dict[int, list[bool]]]
    chosen: list[str] = field(default_factory=list)

    def mape(self, ahead: int) -> float | None:
        found = self.errors.get(ahead, [])
        return 100 * float(np.mean(found)) if found else None

    def coverage(self, level: float, horizons: Sequence[int] | None = None) -> tuple[float, int]:
        """Share of calibrated forecasts whose interval at ``level`` held, and how many."""
        hits = [
            hit
            for h, found in self.held[level].items()
            if horizons is None or h in horizons
            for hit in found
        ]
        return (float(np.mean(hits)) if hits else math.nan), len(hits)


def replay(record: Record, *, horizon: int, models: Sequence[str]) -> Replay:
    """Choose, calibrate and forecast at every origin as of that origin; score what followed."""
    top = min(horizon, MAX_AHEAD)
    errors: dict[int, list[float]] = {h: [] for h in range(1, top + 1)}
    held: dict[float, dict[int, list[bool]]] = {p: {h: [] for h in errors} for p in LEVELS}
    chosen = []
    for row, origin in enumerate(record.starts):
        ranking = rank(record, known=int(origin), horizon=horizon, models=models)
        model = next((m for m in ranking.models if np.isfinite(record.paths[m][row, 0])), None)
        if model is None:
            continue
        chosen.append(model)
        calibration = calibrate(record, model, known=int(origin))
        residual = record.actual[row, :top] - record.paths[model][row, :top]
        scored = np.flatnonzero(np.isfinite(residual))
        ahead = (scored + 1).tolist()
        for h, error in zip(ahead, percentage_errors(residual[scored]).tolist(), strict=True):
            errors[h].append(error)
        if not calibration.calibrated:
            continue
        for p in LEVELS:
            width = calibration.half_width(p, record.sds[model][row, :top])[scored]
            for h, hit in zip(ahead, (np.abs(residual[scored]) <= width).tolist(), strict=True):
                held[p][h].append(hit)
    return Replay(errors, held, chosen)
