"""How the synthetic operator's customers behave: when each line leaves of its own accord.

Pure numpy and seeded: the same base, plans and seed give the same months, so a demo can be
played again line for line. Nothing here touches a database; `scenario` carries it out.

Natural leaving is a monthly hazard. Its level is fitted on the shipped national series: the
ministry's counts fell by about 3.8 % a month from 2009 to early 2012 (a log-linear fit of
`phs_china_national.csv`), and the base hazard is set so that the demo's own leaving over its
first year (2011, before migrations, ports and switch-offs) falls by as much. Around it:

- the hard core (owners born before 1950, read from the ID number, and the lines flagged
  vulnerable or critical: payment terminals, telecare, the elderly) leaves at a quarter of the
  rate, so the decline slows as the others go;
- a region's announcement raises its leaving by half; once its top-ups are refused a prepaid line
  leaves four times as fast (its balance runs out and cannot be refilled), a postpaid one twice;
- a suspended line leaves three times as fast: those suspended at the export, and the postpaid
  lines that fall into arrears during the story (a few in ten thousand a month).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from sunset.plans.rules import PlanDates
from sunset.plans.vocabulary import Phase

NATIONAL = Path(__file__).parents[1] / "stats" / "data" / "phs_china_national.csv"
FIT_FROM, FIT_TO = "2008-12", "2012-02"  # the months of the national fit (YYYY-MM)
CALIBRATION_MONTHS = 12  # the demo's first year is made to fall as the national fit does

HARD_CORE = 0.25  # relative hazard of the hard core
HARD_CORE_BORN_BEFORE = 1950
ANNOUNCED = 1.5  # from the announcement (and while new sales are refused)
TOPUPS_REFUSED_PREPAID = 4.0  # from the day top-ups are refused (and after a switch-off)
TOPUPS_REFUSED_POSTPAID = 2.0
SUSPENDED = 3.0  # suspended at the export, or in arrears since an earlier month
ARREARS_PER_MONTH = 0.0003  # share of active postpaid lines outside the core falling behind
MAX_HAZARD = 0.9
HAZARD_GRID = np.linspace(0.0005, 0.3, 3000)


@dataclass(frozen=True)
class Behaviour:
    """What each line of the base does of its owner's accord, by month index of the story.

    ``leaves[i]``: the month in which line ``i`` is given up (-1: it stays to the end);
    ``arrears[i]``: the month in which a postpaid line falls into arrears (-1: never);
    ``hard_core[i]``: whether it belongs to the hard core; ``hazard``: the fitted base monthly
    hazard; ``national_rate``: the national series' fitted monthly decline it was fitted on.
    """

    leaves: np.ndarray
    arrears: np.ndarray
    hard_core: np.ndarray
    hazard: float
    national_rate: float


def national_rate(path: Path = NATIONAL) -> float:
    """Return the national series' monthly decline, fitted log-linearly over FIT_FROM-FIT_TO.

    Months missing from the series are simply absent from the fit (least squares on the months
    quoted): about 0.038, i.e. 3.8 % of the remaining users a month.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if FIT_FROM <= r["month_end"] <= FIT_TO]
    months = np.array([_index(r["month_end"]) for r in rows], dtype=float)
    counts = np.array([float(r["subscribers_10k"]) for r in rows])
    slope = np.polyfit(months, np.log(counts), 1)[0]
    return float(1.0 - np.exp(slope))


def _index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def hard_core(frame: pl.DataFrame) -> np.ndarray:
    """Return which lines belong to the hard core: born before 1950 by their owner's ID number
    (characters 7-10 of an 18-character one), or flagged vulnerable or critical."""
    born = frame["id_number"].str.slice(6, 4).cast(pl.Int32, strict=False).fill_null(9999)
    old = born.to_numpy() < HARD_CORE_BORN_BEFORE
    return old | (frame["vulnerable"] != "none").to_numpy()


def phase_factors(
    plans: Mapping[str, PlanDates], areas: Sequence[str], months: Sequence[date]
) -> np.ndarray:
    """Return the pressure on leaving in each area and month, for (postpaid, prepaid) lines:
    an array of shape (areas, months, 2), read on the 15th of each month."""
    out = np.ones((len(areas), len(months), 2))
    for a, area in enumerate(areas):
        plan = plans.get(area)
        if plan is None:
            continue
        for m, first in enumerate(months):
            day = first.replace(day=15)
            if plan.is_at_least(Phase.TOPUPS_REFUSED, day) or plan.is_at_least(
                Phase.SWITCHED_OFF, day
            ):
                out[a, m] = (TOPUPS_REFUSED_POSTPAID, TOPUPS_REFUSED_PREPAID)
            elif plan.is_at_least(Phase.ANNOUNCED, day):
                out[a, m] = ANNOUNCED
    return out


def fit_hazard(pressure: np.ndarray, weights: np.ndarray, *, target: float) -> float:
    """Return the base hazard under which groups of lines facing ``pressure`` (groups x months:
    each group's relative hazard in each month), ``weights`` lines each, keep on average
    ``target`` of themselves.

    Survival falls as the hazard rises, so the answer is read off a grid by interpolation.
    """
    hazards = np.minimum(HAZARD_GRID[:, None, None] * pressure[None], MAX_HAZARD)
    kept = np.prod(1.0 - hazards, axis=2) @ (weights / weights.sum())
    return float(np.interp(target, kept[::-1], HAZARD_GRID[::-1]))


def behave(
    frame: pl.DataFrame,
    *,
    plans: Mapping[str, PlanDates],
    months: Sequence[date],
    seed: int,
) -> Behaviour:
    """Draw, for each line of ``frame`` (the import format), the month it falls into arrears and
    the month it is given up, under the region's plan."""
    rng = np.random.default_rng([seed, 21])
    n, span = frame.height, len(months)
    areas, area_index = np.unique(frame["area_code"].to_numpy(), return_inverse=True)
    prepaid = (frame["prepaid"] == "true").to_numpy()
    core = hard_core(frame)
    suspended = (frame["status"] == "suspended").to_numpy()
    factors = phase_factors(plans, list(areas), months)[area_index, :, prepaid.astype(int)]
    own = np.where(core, HARD_CORE, 1.0) * np.where(suspended, SUSPENDED, 1.0)
    pressure = own[:, None] * factors
    # Lines of one area, payment kind, core and status face the same pressure: fit on groups.
    group = ((area_index * 2 + prepaid) * 2 + core) * 2 + suspended
    _, first, weights = np.unique(group, return_index=True, return_counts=True)
    rate = national_rate()
    hazard = fit_hazard(
        pressure[first, :CALIBRATION_MONTHS],
        weights,
        target=(1.0 - rate) ** CALIBRATION_MONTHS,
    )
    may_fall_behind = ~prepaid & ~suspended & ~core
    arrears = np.where(may_fall_behind, rng.geometric(ARREARS_PER_MONTH, n) - 1, -1)
    arrears = np.where(arrears < span, arrears, -1)
    behind = (arrears[:, None] >= 0) & (np.arange(span)[None, :] > arrears[:, None])
    monthly = np.minimum(hazard * pressure * np.where(behind, SUSPENDED, 1.0), MAX_HAZARD)
    gone = rng.random((n, span)) < monthly
    leaves = np.where(gone.any(axis=1), gone.argmax(axis=1), -1)
    return Behaviour(
        leaves=leaves.astype(np.int16),
        arrears=arrears.astype(np.int16),
        hard_core=core,
        hazard=hazard,
        national_rate=rate,
    )
