"""Forecasts the regulator can plan on (issue 19): a hard core the floor model finds, intervals
calibrated on the backtest and never narrower than the model's own, the clearance month as a
distribution, a closed network's fan under its last count, the national shape for a short
region, and a backtest that sees nothing after its origin."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from sunset.stats import backtest as bt
from sunset.stats import forecast as fc
from sunset.stats.outlook import Request, Series, model_as_of, outlook
from sunset.stats.rules import add_months, month_grid
from sunset.stats.schemas import Forecast

SHIPPED = Path(__file__).resolve().parents[2] / "src/sunset/stats/data/phs_china_national.csv"


def shipped() -> tuple[list[str], list[float]]:
    with SHIPPED.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r["month_end"] for r in rows], [float(r["subscribers_10k"]) for r in rows]


def months_from(first: str, count: int) -> list[str]:
    return month_grid(first, add_months(first, count - 1))


def with_floor(
    months: int, *, floor: float, start: float, rate: float, noise: float, seed: int = 7
) -> list[float]:
    """A base decaying towards a hard core, its log jittered by independent noise."""
    rng = np.random.default_rng(seed)
    ages = np.arange(months)
    level = floor + (start - floor) * np.exp(-rate * ages)
    return list(level * np.exp(rng.normal(0, noise, months)))


def decline(months: int, *, rate: float = 0.06, seed: int = 3) -> list[float]:
    noise = np.cumsum(np.random.default_rng(seed).normal(0, 0.02, months))
    return [50_000 * math.exp(-rate * i + n) for i, n in enumerate(noise)]


@pytest.fixture(scope="module")
def national() -> Forecast:
    months, values = shipped()
    return outlook(
        Request(
            series="phs:national",
            unit="10k subscribers",
            months=months,
            values=values,
            horizon=24,
        )
    )


@pytest.mark.parametrize(("floor", "rate"), [(20_000, 0.08), (5_000, 0.05)])
def test_the_floor_model_recovers_a_known_hard_core_within_10_percent(
    floor: float, rate: float
) -> None:
    values = with_floor(48, floor=floor, start=100_000, rate=rate, noise=0.01)
    grid = fc.to_grid(months_from("2009-01", 48), values)

    found = fc.fit("floor_decay", grid.logs, grid.observed).floor

    assert found is not None
    assert found.value == pytest.approx(floor, rel=0.10)
    assert found.lo95 <= floor <= found.hi95


def test_without_a_hard_core_in_sight_the_floor_is_zero_with_a_range_above_it() -> None:
    values = with_floor(36, floor=0, start=100_000, rate=0.05, noise=0.01)
    grid = fc.to_grid(months_from("2009-01", 36), values)

    found = fc.fit("floor_decay", grid.logs, grid.observed).floor

    assert found is not None
    assert found.value < 0.1 * values[-1]
    assert found.lo95 == 0.0 < found.hi95


def test_a_hazard_that_falls_with_age_forecasts_a_slower_decline_than_its_last_pace() -> None:
    # Users differ in how keen they are to leave: the keen go first, the pace slows.
    ages = np.arange(36)
    values = list(80_000 * (1 + 2.0 * 0.08 * ages) ** (-1 / 2.0))
    grid = fc.to_grid(months_from("2009-01", 36), values)

    mean, _ = fc.fit("hazard_aging", grid.logs, grid.observed).forecast(12)

    last_pace = grid.logs[-1] - grid.logs[-2]
    assert mean[-1] > grid.logs[-1] + 12 * last_pace  # above constant-rate decay
    assert np.all(np.diff(mean) < 0)  # and still falling


def test_the_conformal_quantile_is_the_order_statistic_of_the_backtest_errors() -> None:
    # 20 scores of 0.2 % .. 4 % a month: the 80 % quantile is the 17th (⌈21 x 0.8⌉).
    calibration = bt.Calibration(np.arange(1, 21) * 0.002)

    widths = calibration.half_width(0.80, np.zeros(12))

    assert calibration.quantile(0.80) == pytest.approx(0.034)
    assert calibration.quantile(0.95) == pytest.approx(0.040)
    assert widths[11] == pytest.approx(12 * 0.034)


@pytest.mark.parametrize("seed", range(5))
def test_calibrated_intervals_are_never_narrower_than_the_models_own(seed: int) -> None:
    rng = np.random.default_rng(seed)
    calibration = bt.Calibration(np.sort(rng.exponential(0.01, 40)))
    sd = np.sort(rng.uniform(0, 0.3, 24))

    for level in bt.LEVELS:
        assert np.all(calibration.half_width(level, sd) >= bt.Z[level] * sd - 1e-12)


def test_the_national_fan_holds_the_chosen_models_own_intervals(national: Forecast) -> None:
    months, values = shipped()
    grid = fc.to_grid(months, values)
    mean, sd = fc.fit(national.model, grid.logs, grid.observed).forecast(24)

    for point, m, s in zip(national.points, mean, sd, strict=True):
        assert point.lo80 <= math.exp(m - fc.Z80 * s) * (1 + 1e-6)
        assert point.hi80 >= math.exp(m + fc.Z80 * s) * (1 - 1e-6)
        assert point.lo95 <= math.exp(m - fc.Z95 * s) * (1 + 1e-6)
        assert point.hi95 >= math.exp(m + fc.Z95 * s) * (1 - 1e-6)


def test_the_national_forecast_reports_its_replayed_coverage_and_errors_by_horizon(
    national: Forecast,
) -> None:
    cover = national.coverage

    assert cover is not None and cover.calibrated and cover.months_ahead == 24
    assert cover.held80 is not None and cover.held95 is not None
    assert 0 < cover.held80 <= cover.held95 <= 1 and cover.forecasts > 0
    assert [e.months_ahead for e in national.backtest_errors] == list(range(1, 25))
    assert all(len(c.errors) == 24 for c in national.candidates)
    assert {c.model for c in national.candidates} == set(fc.CANDIDATES)


def test_too_few_backtest_errors_leave_the_models_own_intervals_and_claim_no_coverage() -> None:
    few = bt.Calibration(np.array([0.5] * (bt.MIN_CALIBRATION - 1)))
    sd = np.linspace(0.01, 0.1, 10)
    months = months_from("2011-01", 13)

    result = outlook(Request(series="x", unit="lines", months=months, values=decline(13)))

    assert np.allclose(few.half_width(0.80, sd), fc.Z80 * sd)
    assert result.coverage is not None and result.coverage.held80 is None
    assert not result.coverage.calibrated
    assert any("not calibrated" in note for note in result.notes)


def regional(deadline: str, *, horizon: int = 24) -> Forecast:
    return outlook(
        Request(
            series="0551:phs",
            unit="lines",
            months=months_from("2009-01", 36),
            values=decline(36),
            horizon=horizon,
            deadline=deadline,
        )
    )


def test_the_chance_of_clearing_never_falls_with_a_later_deadline() -> None:
    deadlines = [add_months("2012-01", 6 * i) for i in range(12)]

    chances = [regional(d).p_clear_by_deadline for d in deadlines]

    assert all(c is not None for c in chances)
    assert chances == sorted(chances)  # type: ignore[type-var]
    assert chances[0] < 0.05 < 0.95 < chances[-1]  # type: ignore[operator]


def test_the_clearance_range_is_where_the_fans_80_percent_bounds_cross_the_threshold() -> None:
    result = regional("2013-12", horizon=120)
    when = result.clearance
    fan = {p.month: p for p in result.points}
    line = result.threshold

    def crosses(month: str, bound: str) -> bool:
        before = fan[add_months(month, -1)]
        return getattr(fan[month], bound) < line <= getattr(before, bound)

    assert when is not None and when.earliest80 and when.expected and when.latest80
    assert when.earliest80 < when.expected < when.latest80
    assert crosses(when.earliest80, "lo80")
    assert crosses(when.expected, "expected")
    assert crosses(when.latest80, "hi80")


def test_a_closed_networks_fan_never_rises_above_its_last_count() -> None:
    # A staircase like the demo's: flat months, a drop when a region is switched off.
    values = [85_000.0] * 10 + [80_000.0] * 8 + [78_000.0] * 8 + [85_000.0 * 0.9] * 6
    months = months_from("2010-01", len(values))
    request = Request(series="all:phs", unit="lines", months=months, values=values, horizon=60)

    open_fan = outlook(request)
    closed_fan = outlook(Request(**{**request.__dict__, "closed": True}))

    assert max(p.hi95 for p in open_fan.points) > values[-1]  # what the overview showed
    for p in closed_fan.points:
        assert max(p.expected, p.hi80, p.hi95, p.lo80, p.lo95) <= values[-1]
    assert closed_fan.closed and any("closed to new users" in n for n in closed_fan.notes)


def test_a_short_region_follows_the_national_shape_scaled_to_its_last_count() -> None:
    months, values = shipped()
    national = Series("phs:national", months, values)
    request = Request(
        series="0551:phs",
        unit="lines",
        months=["2011-05", "2011-06", "2011-07"],
        values=[30_000, 29_000, 28_500],
        horizon=6,
        reference=national,
    )

    result = outlook(request)

    by_month = dict(zip(months, values, strict=True))
    assert result.shape_from == "phs:national"
    assert any("follows the shape of phs:national" in note for note in result.notes)
    # 2011-07 to 2011-09 the nation went from 2,179.9 to 2,028.0 (10k): the region likewise.
    expected = {p.month: p.expected for p in result.points}
    assert expected["2011-09"] == pytest.approx(28_500 * by_month["2011-09"] / 2179.9, rel=1e-6)
    assert result.coverage is not None and result.coverage.source == "phs:national"


def test_the_backtest_chooses_and_calibrates_at_an_origin_on_what_was_known_then() -> None:
    months, values = shipped()
    grid = fc.to_grid(months, values)
    everything = {m: fc.fit(m, grid.logs, grid.observed) for m in fc.CANDIDATES}
    full = bt.record(grid, everything, refit=True)
    origin = int(full.starts[-6])

    then = model_as_of(months, values, month=add_months(grid.start, origin), horizon=12)

    ranked = bt.rank(full, known=origin, horizon=12, models=list(then.fitted))
    assert ranked.models == then.ranking.models
    assert ranked.mape == pytest.approx(then.ranking.mape)
    calibrated = bt.calibrate(full, ranked.best, known=origin)
    assert np.allclose(calibrated.scores, then.calibration.scores)


def test_a_batch_backtest_scores_the_floor_model_only_with_fits_made_before_each_origin() -> None:
    values = with_floor(40, floor=20_000, start=100_000, rate=0.08, noise=0.01)
    grid = fc.to_grid(months_from("2009-01", 40), values)
    fitted = {"floor_decay": fc.fit("floor_decay", grid.logs, grid.observed)}

    batch = bt.record(grid, fitted, refit=False)

    for row, origin in enumerate(int(o) for o in batch.starts):
        refitted_at = int(batch.starts[row - row % bt.BATCH_EVERY])
        then = fc.truncated(grid, refitted_at)
        fit_then = fc.fit("floor_decay", then.logs, then.observed)
        assert fit_then.carried is not None
        expected = fit_then.carried(grid.logs[[origin]], np.array([origin - refitted_at]), 24)
        assert batch.paths["floor_decay"][row] == pytest.approx(expected[0])
