"""The synthetic customers' behaviour: fitted on the national series, seeded, and moved by the
plans as the seed tells (announcements, refused top-ups) with a hard core that stays longer."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from sunset.plans.rules import PlanDates
from sunset.synth.behaviour import (
    CALIBRATION_MONTHS,
    Behaviour,
    behave,
    fit_hazard,
    hard_core,
    national_rate,
)
from sunset.synth.scenario import months

PLAN = PlanDates(announced=date(2011, 7, 1), topups_refused=date(2012, 1, 1))


def base(n: int, *, old: int = 0, prepaid: bool = True) -> pl.DataFrame:
    """``n`` active lines in Hefei; the first ``old`` owners born in 1940, the others in 1975."""
    born = ["1940"] * old + ["1975"] * (n - old)
    return pl.DataFrame(
        {
            "area_code": ["0551"] * n,
            "prepaid": ["true" if prepaid else "false"] * n,
            "status": ["active"] * n,
            "vulnerable": ["none"] * n,
            "id_number": [f"340101{y}0101123X" for y in born],
        }
    )


def leaving_rates(found: Behaviour, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """The share of the lines still there that leave in each month."""
    leaves = found.leaves[rows]
    gone = np.array([(leaves == m).sum() for m in range(len(months()))])
    there = len(leaves) - np.concatenate([[0], np.cumsum(gone)[:-1]])
    return np.asarray(gone / there)


def test_the_national_series_fell_about_four_percent_a_month_from_2009_to_2012() -> None:
    assert 0.035 < national_rate() < 0.042


def test_the_fitted_hazard_is_the_one_that_keeps_the_target() -> None:
    pressure = np.ones((1, CALIBRATION_MONTHS))
    assert fit_hazard(pressure, np.array([5]), target=0.95**12) == pytest.approx(0.05, abs=2e-4)
    # Half the lines under twice the pressure: the hazard keeps the target on average.
    mixed = np.array([[1.0] * 12, [2.0] * 12])
    h = fit_hazard(mixed, np.array([1, 1]), target=0.6)
    assert ((1 - h) ** 12 + (1 - 2 * h) ** 12) / 2 == pytest.approx(0.6, abs=1e-3)


def test_the_same_seed_draws_the_same_months_and_another_seed_others() -> None:
    frame = base(5_000, old=1_000)
    first = behave(frame, plans={"0551": PLAN}, months=months(), seed=7)
    again = behave(frame, plans={"0551": PLAN}, months=months(), seed=7)
    other = behave(frame, plans={"0551": PLAN}, months=months(), seed=8)

    assert np.array_equal(first.leaves, again.leaves)
    assert np.array_equal(first.arrears, again.arrears)
    assert not np.array_equal(first.leaves, other.leaves)


def test_a_base_without_a_plan_leaves_as_the_national_series_did_in_its_first_year() -> None:
    found = behave(base(40_000, prepaid=False), plans={}, months=months(), seed=1)
    kept = (found.leaves < 0) | (found.leaves >= CALIBRATION_MONTHS)

    assert kept.mean() == pytest.approx((1 - found.national_rate) ** 12, abs=0.01)


def test_leaving_rises_after_the_announcement_and_again_once_top_ups_are_refused() -> None:
    found = behave(base(40_000), plans={"0551": PLAN}, months=months(), seed=2)
    rates = leaving_rates(found)

    before, announced, refused = rates[:6].mean(), rates[6:12].mean(), rates[12:].mean()
    assert announced == pytest.approx(1.5 * before, rel=0.1)
    assert refused == pytest.approx(4 * before, rel=0.15)


def test_the_hard_core_leaves_at_a_quarter_of_the_rate_so_the_decline_slows() -> None:
    frame = base(40_000, old=10_000)
    found = behave(frame, plans={}, months=months(), seed=3)
    core = hard_core(frame)

    assert core.sum() == 10_000
    ratio = leaving_rates(found, core)[:12].mean() / leaving_rates(found, ~core)[:12].mean()
    assert ratio == pytest.approx(0.25, rel=0.15)
    overall = leaving_rates(found)
    assert overall[18:].mean() < 0.9 * overall[:6].mean()
