"""When the base falls below the threshold: the month as a distribution, and the chance of
clearing by the deadline, from the same calibrated errors as the forecast's intervals.

Pure: values in, values out (numpy).

At each month ahead the predictive distribution of the log count is centred on the forecast and
as wide as the calibrated intervals (``backtest.Calibration``): the chance that the base is below
the threshold ``T`` then is ``(1 - a)/2`` where ``a`` is the level of the narrowest calibrated
interval that reaches down to ``T`` (``(1 + a)/2`` once the forecast itself is below). The
scenarios are read as the bands of the fan, each a path: the path at the 10th percentile
crosses ``T`` first, the one at the 90th last. So the chance of having cleared by a month is the
largest chance of being below ``T`` at any month up to it (a path that dipped below has cleared),
which never falls with a later deadline; and the 80 % range of the clearance month runs from
the month the lower 80 % bound crosses ``T`` to the month the upper one does. Example: a
forecast at 150 with an 80 % interval of 80-280 twelve months ahead, ``T`` = 100: the lower bound
is below, the median is not: the chance of being cleared 12 months ahead is between 10 % and 50 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sunset.stats import backtest as bt
from sunset.stats import forecast as fc
from sunset.stats.rules import add_months, months_between

EARLY, LATE = 0.10, 0.90  # the 80 % range of the clearance month


@dataclass(frozen=True)
class Clearance:
    """The month the base falls below the threshold (median) and its 80 % range; None: not
    within the months searched."""

    expected: str | None
    earliest80: str | None
    latest80: str | None
    observed: bool  # the series itself already fell below the threshold


def cleared_share(
    mean: np.ndarray, sd: np.ndarray, calibration: bt.Calibration, threshold: float
) -> np.ndarray:
    """The chance that the base has fallen below ``threshold`` by each month ahead."""
    gap = mean - math.log(threshold)  # > 0: the forecast is still above the threshold
    level = calibration.level_within(np.abs(gap), sd)
    below = np.where(gap > 0, (1 - level) / 2, (1 + level) / 2)
    return np.maximum.accumulate(below)


def observed_month(grid: fc.Grid, threshold: float) -> str | None:
    """The first published month below ``threshold``, if any."""
    below = np.flatnonzero(grid.observed & (grid.logs < math.log(threshold)))
    return add_months(grid.start, int(below[0])) if len(below) else None


def clearance(grid: fc.Grid, mean: np.ndarray, share: np.ndarray, threshold: float) -> Clearance:
    """The clearance month (the first the forecast median is below ``threshold``) and its 80 %
    range, from ``cleared_share`` (month 1 = the month after the last observed one); the
    observed month if the series already fell below."""
    seen = observed_month(grid, threshold)
    if seen is not None:
        return Clearance(seen, seen, seen, observed=True)

    def first(reached: np.ndarray) -> str | None:
        found = np.flatnonzero(reached)
        return add_months(grid.last, int(found[0]) + 1) if len(found) else None

    below = mean < math.log(threshold)
    return Clearance(first(below), first(share >= EARLY), first(share >= LATE), observed=False)


def p_clear(grid: fc.Grid, share: np.ndarray, threshold: float, deadline: str) -> float:
    """The chance that the base is below ``threshold`` by the end of the ``deadline`` month.

    What was observed is a fact: 1 if a published month up to the deadline was below the
    threshold; 0 if the deadline is past and none was.
    """
    seen = observed_month(grid, threshold)
    if seen is not None and seen <= deadline:
        return 1.0
    ahead = months_between(grid.last, deadline)
    if ahead <= 0:
        return 0.0
    return float(share[min(ahead, len(share)) - 1])
