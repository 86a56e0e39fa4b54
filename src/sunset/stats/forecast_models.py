"""Candidates that can see a hard core: decay towards a fitted floor, a hazard that falls with age.

Pure: values in, values out (numpy; scipy imported lazily: least squares by ``leastsq``).

Both are fitted by least squares on the log counts of the months actually observed in the last
``WINDOW`` months (interpolated months would tell them that the rate is constant between two
figures), and both forecast from the last observed count (anchored), so the forecast starts
where the series ends, not where the fitted curve does.

- ``floor_decay``: the count decays exponentially towards a floor ``F`` (the hard core):
  ``N(t) = F + (N0 - F)·exp(-k·t)``. Its monthly leaving rate ``k·(N - F)/N`` falls as the base
  nears the core. ``F`` is fitted as a share ``s`` of the window's first level (``F = N0·s``,
  0 ≤ s < 1), and its 95 % range is ``N0·(s ± 1.96·se(s))`` cut to [0, N0]: the covariance
  stays informative when the fit puts the floor at zero (no hard core in sight).
- ``hazard_aging``: users differ in how keen they are to leave (gamma-distributed); the keen
  leave first, so the monthly leaving rate of those who remain falls as the base ages:
  ``λ(a) = λ0 / (1 + θ·λ0·a)`` at age ``a`` months from the window's start, and
  ``log N = b - log(1 + θ·λ0·a) / θ`` (θ → 0 is constant-rate decay). It has no floor: the
  decline slows without stopping.

Each gives a standard deviation of the log count at every horizon from the covariance of the
parameters (delta method, a numerical Jacobian) plus the fit's residual noise as a random walk.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

WINDOW = 24  # months of history the floor and hazard models are fitted on
MIN_POINTS = 5  # observed months in the window: three parameters and two degrees of freedom
Z95 = 1.959963984540054
Curve = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (params, ages) -> log counts
Jacobian = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (params, ages) -> d curve / d params


@dataclass(frozen=True)
class Fit:
    """A least-squares fit: parameters, their covariance, and the residual standard deviation."""

    params: np.ndarray
    cov: np.ndarray
    sigma: float


@dataclass(frozen=True)
class Floor:
    """The hard core a floor model found, in the series' unit, with its 95 % range."""

    value: float
    lo95: float
    hi95: float


def window(logs: np.ndarray, observed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The observed months of the last ``WINDOW`` months: their ages (0 = the window's first
    month) and log counts; refuse fewer than ``MIN_POINTS``."""
    seen = np.ones(len(logs), dtype=bool) if observed is None else observed
    first = max(0, len(logs) - 1 - WINDOW)
    index = np.flatnonzero(seen[first:]) + first
    if len(index) < MIN_POINTS:
        raise ValueError(f"{len(index)} observed month(s) in the last {WINDOW}: too few to fit")
    return (index - first).astype(float), logs[index]


def least_squares_fit(
    model: tuple[Curve, Jacobian],
    ages: np.ndarray,
    logs: np.ndarray,
    start: np.ndarray,
    free: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
) -> Fit:
    """Fit a curve (with its Jacobian) to the log counts by Levenberg-Marquardt (MINPACK's
    lmder through scipy's ``leastsq``: a few tenths of a millisecond a fit, which the backtest's
    refit at every origin needs).

    ``free`` maps unbounded parameters to the curve's own and gives the derivative of each (a
    share fitted through its logit); the covariance is that of the curve's own parameters, from
    their Jacobian at the solution, so it stays informative for a share fitted at zero.
    """
    from scipy.optimize import leastsq

    curve, jacobian = model
    own = free or (lambda q: (q, np.ones_like(q)))
    with np.errstate(all="ignore"):
        found, _, info, message, status = leastsq(
            lambda q: curve(own(q)[0], ages) - logs,
            np.asarray(start, dtype=float),
            Dfun=lambda q: jacobian(own(q)[0], ages) * own(q)[1][None, :],
            full_output=True,
        )
    params = own(found)[0]
    if status not in (1, 2, 3, 4) or not np.all(np.isfinite(params)):
        raise ArithmeticError(f"the fit did not converge: {message}")
    residuals = np.asarray(info["fvec"], dtype=float)
    dof = max(len(logs) - len(params), 1)
    sigma = math.sqrt(float(np.sum(residuals**2)) / dof)
    jac = jacobian(params, ages)
    cov = np.linalg.pinv(jac.T @ jac) * sigma**2
    return Fit(params, cov, sigma)


def spread(path: Callable[[np.ndarray], np.ndarray], fit: Fit, horizon: int) -> np.ndarray:
    """Standard deviation of the log count 1..horizon months ahead: the parameters' share by the
    delta method (forward differences: a parameter may sit on its lower bound), plus the
    residual noise as a random walk; never narrower further ahead."""
    base = fit.params
    at = path(base)
    jac = np.empty((horizon, len(base)))
    for j in range(len(base)):
        step = 1e-6 * max(1.0, abs(base[j]))
        moved = base.copy()
        moved[j] += step
        jac[:, j] = (path(moved) - at) / step
    params_var = np.einsum("hi,ij,hj->h", jac, fit.cov, jac)
    noise_var = fit.sigma**2 * np.arange(1, horizon + 1)
    return np.maximum.accumulate(np.sqrt(np.maximum(params_var, 0.0) + noise_var))


# --- decay towards a floor ------------------------------------------------------------------------


def floor_curve(params: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """``log(F + (N0 - F)·exp(-k·a))`` with ``params = (log N0, s, log k)``, ``F = N0·s``."""
    level, share, log_k = params
    return np.asarray(level + np.log(share + (1 - share) * np.exp(-math.exp(log_k) * ages)))


def floor_jacobian(params: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """Derivatives of ``floor_curve`` by log N0, s and log k."""
    _, share, log_k = params
    rate = math.exp(log_k)
    reach = np.exp(-rate * ages)
    inside = share + (1 - share) * reach
    columns = (
        np.ones_like(ages),
        (1 - reach) / inside,
        -(1 - share) * reach * rate * ages / inside,
    )
    return np.stack(columns, axis=1)


def fit_floor(logs: np.ndarray, observed: np.ndarray | None) -> Fit:
    """Fit decay towards a floor on the last ``WINDOW`` months' observations."""
    ages, seen = window(logs, observed)
    start = np.array([seen[0], -2.0, math.log(0.05)])  # a floor of 12 % of the level
    return least_squares_fit((floor_curve, floor_jacobian), ages, seen, start, free=_logit_share)


def _logit_share(free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    share = 1.0 / (1.0 + math.exp(-min(max(float(free[1]), -700.0), 700.0)))
    return np.array([free[0], share, free[2]]), np.array([1.0, share * (1 - share), 1.0])


def floor_of(fit: Fit) -> Floor:
    """The hard core and its 95 % range (from the share's standard error, cut to [0, N0])."""
    level, share, _ = fit.params
    se = math.sqrt(max(float(fit.cov[1, 1]), 0.0))
    scale = math.exp(level)
    low, high = max(float(share) - Z95 * se, 0.0), min(float(share) + Z95 * se, 1.0)
    return Floor(scale * float(share), scale * low, scale * high)


def floor_paths(params: np.ndarray, levels: np.ndarray, horizon: int) -> np.ndarray:
    """From each level (log count at an origin), decay towards the fitted floor (the floor
    held below the level: a base closed to new users does not climb back to it)."""
    level, share, log_k = params
    share = min(max(float(share), 0.0), 1.0)
    floor = np.minimum(math.exp(level) * share, np.exp(levels))[:, None]
    reach = np.exp(-math.exp(log_k) * np.arange(1, horizon + 1))[None, :]
    return np.log(floor + (np.exp(levels)[:, None] - floor) * reach)


# --- a hazard that falls as the base ages ---------------------------------------------------------


def hazard_curve(params: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """``b - log(1 + θ·λ0·a) / θ`` with ``params = (b, log λ0, log θ)``."""
    level, log_rate, log_theta = params
    theta = max(math.exp(min(log_theta, 50.0)), 1e-12)  # θ → 0: constant-rate decay
    return np.asarray(level - np.log1p(theta * math.exp(log_rate) * ages) / theta)


def hazard_jacobian(params: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """Derivatives of ``hazard_curve`` by b, log λ0 and log θ."""
    _, log_rate, log_theta = params
    rate, theta = math.exp(log_rate), max(math.exp(min(log_theta, 50.0)), 1e-12)
    slowed = rate * ages / (1 + theta * rate * ages)
    by_theta = np.log1p(theta * rate * ages) / theta - slowed
    return np.stack((np.ones_like(ages), -slowed, by_theta), axis=1)


def fit_hazard(logs: np.ndarray, observed: np.ndarray | None) -> tuple[Fit, float]:
    """Fit the aging hazard on the last ``WINDOW`` months' observations; also return the age
    (months) of the base at the series' last month."""
    ages, seen = window(logs, observed)
    rate = max((seen[0] - seen[-1]) / max(ages[-1] - ages[0], 1.0), 1e-4)
    start = np.array([seen[0], math.log(rate), math.log(0.1)])
    fit = least_squares_fit((hazard_curve, hazard_jacobian), ages, seen, start)
    return fit, float(min(len(logs) - 1, WINDOW))


def hazard_steps(params: np.ndarray, ages: np.ndarray, horizon: int) -> np.ndarray:
    """Change in log count from each age to 1..horizon months later."""
    ahead = ages[:, None] + np.arange(1, horizon + 1)[None, :]
    return hazard_curve(params, ahead) - hazard_curve(params, ages)[:, None]
