"""Forecasts of a declining base: intervals, the threshold month, the chance of clearing by the
deadline, irregular series, and the choice of model by backtest."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from sunset.stats import backtest as bt
from sunset.stats.forecast import CANDIDATES, fit, origins, to_grid
from sunset.stats.outlook import Request, outlook
from sunset.stats.rules import add_months, month_grid
from sunset.stats.schemas import Forecast

SHIPPED = Path(__file__).resolve().parents[2] / "src/sunset/stats/data/phs_china_national.csv"


def decay(months: int, *, rate: float = 0.05, start: float = 10_000, seed: int = 1) -> list[float]:
    """A base that loses ``rate`` of itself each month, its log a random walk."""
    noise = np.cumsum(np.random.default_rng(seed).normal(0, 0.02, months))
    return [start * math.exp(-rate * i + n) for i, n in enumerate(noise)]


def regional(months: int = 36, **kwargs: float) -> Request:
    grid = month_grid("2009-01", add_months("2009-01", months - 1))
    return Request(
        series="0551:phs", unit="lines", months=grid, values=decay(months, **kwargs), **{}
    )


def national_request() -> Request:
    with SHIPPED.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return Request(
        series="phs:national",
        unit="10k subscribers",
        months=[r["month_end"] for r in rows],
        values=[float(r["subscribers_10k"]) for r in rows],
        deadline="2011-12",
    )


@pytest.fixture(scope="module")
def national() -> Forecast:
    return outlook(national_request())


def test_intervals_contain_the_expected_value_and_widen_with_the_horizon() -> None:
    result = outlook(regional())

    for p in result.points:
        assert p.lo95 <= p.lo80 <= p.expected <= p.hi80 <= p.hi95
    spreads = [p.hi95 / p.lo95 for p in result.points]
    assert all(b >= a * (1 - 1e-6) for a, b in itertools.pairwise(spreads))
    assert spreads[-1] > spreads[0]


def test_the_threshold_month_is_the_first_month_the_path_is_below_the_threshold() -> None:
    request = regional(rate=0.08)
    result = outlook(Request(**{**request.__dict__, "horizon": 60}))

    path = {p.month: p.expected for p in result.points}
    assert result.threshold == pytest.approx(0.01 * max(request.values))
    assert result.threshold_month is not None
    assert path[result.threshold_month] < result.threshold
    assert all(v >= result.threshold for m, v in path.items() if m < result.threshold_month)


def test_the_chance_of_clearing_grows_with_a_later_deadline() -> None:
    base = regional(rate=0.08)
    chances = [
        outlook(Request(**{**base.__dict__, "deadline": deadline})).p_clear_by_deadline
        for deadline in ("2012-06", "2014-06", "2016-06")
    ]

    assert chances == sorted(chances)
    assert chances[0] is not None and chances[0] < 0.05
    assert chances[-1] is not None and chances[-1] > 0.95


def test_a_deadline_already_observed_is_a_fact_not_a_chance(national: Forecast) -> None:
    result = national

    assert result.p_clear_by_deadline == 0.0  # 1,785万 were left at the end of 2011


def test_an_irregular_series_is_forecast_and_its_filled_months_are_named(
    national: Forecast,
) -> None:
    result = national

    assert result.fit_from == "2006-10"  # the peak: 9,341万
    assert result.last_observed == "2012-02"
    assert "2012-01" in result.interpolated_months
    assert result.observed_months == 29
    assert [p.month for p in result.points[:2]] == ["2012-03", "2012-04"]
    assert result.points[0].expected < 1634
    assert result.backtest_mape is not None
    assert any("interpolation" in note for note in result.notes)


def test_the_model_with_the_lowest_backtest_error_at_the_horizon_asked_is_chosen(
    national: Forecast,
) -> None:
    result = national  # asked for 24 months ahead: chosen on the errors 12 to 24 months ahead

    scores = [c.backtest_mape for c in result.candidates]
    assert result.chosen_on == list(range(12, 25))
    assert result.model == result.candidates[0].model
    assert result.backtest_mape == scores[0]
    assert scores == sorted(s for s in scores if s is not None)


def test_backtest_errors_are_measured_only_at_observed_months() -> None:
    request = national_request()
    grid = to_grid(request.months, request.values)
    drift = {"log_drift": fit("log_drift", grid.logs, grid.observed)}

    scored = bt.record(grid, drift, refit=True)
    one_ahead = bt.by_horizon(scored, "log_drift", known=len(grid.logs) - 1)[0]

    targets = [o + 1 for o in origins(grid) if grid.observed[o + 1]]
    assert one_ahead[2] == len(targets)


@pytest.mark.parametrize("model", CANDIDATES)
def test_forecasts_from_earlier_origins_without_refit_match_the_model_from_its_end(
    model: str,
) -> None:
    logs = np.log(decay(30))
    fitted = fit(model, logs)

    from_end = fitted.from_origins([len(logs) - 1], 6)[0]

    assert from_end == pytest.approx(fitted.forecast(6)[0], abs=1e-9)


def test_a_batch_forecast_without_refit_says_so_and_still_chooses_by_backtest() -> None:
    result = outlook(Request(**{**regional().__dict__, "refit": False, "max_origins": 6}))

    assert any("no refit" in note for note in result.notes)
    assert all(c.backtest_forecasts > 0 for c in result.candidates)


def test_a_series_that_reached_zero_is_cleared_in_the_month_it_did() -> None:
    months = month_grid("2011-01", "2011-08")
    result = outlook(
        Request(
            series="0565:phs",
            unit="lines",
            months=months,
            values=[800, 700, 600, 400, 200, 50, 0, 0],
            deadline="2011-12",
        )
    )

    assert result.threshold_month == "2011-07"
    assert result.p_clear_by_deadline == 1.0
    assert all(p.expected < 8 for p in result.points)


def test_the_national_forecast_says_how_its_intervals_were_calibrated(
    national: Forecast,
) -> None:
    assert national.interval_scale >= 1.0
    assert national.coverage is not None and national.coverage.calibrated
    assert any("calibrated on" in note for note in national.notes)
