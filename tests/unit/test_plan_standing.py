"""Where a region stands against its own plan (on plan, behind by lines or days, cleared) and
how far past the regulator's deadline it is: the overview's columns, as pure rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sunset.plans.rules import PlanDates, Standing, days_past_deadline, plan_standing

# Chongqing in the demo: announced 2011-05-01, switched off 2012-12-20.
PLAN = PlanDates(announced=date(2011, 5, 1), switched_off=date(2012, 12, 20))
START = (date(2011, 4, 30), 10_000)  # the month-end before the announcement
DEADLINE = date(2011, 12, 31)


def standing(remaining: int, month_end: date, today: date | None = None) -> Standing:
    return plan_standing(
        PLAN, remaining=remaining, month_end=month_end, start=START, today=today or month_end
    )


@pytest.mark.parametrize(
    ("remaining", "month_end", "today", "expected"),
    [
        # Half-way down the path (300 of 600 days to go) it allows 5,000 lines.
        (5_000, date(2011, 4, 30) + timedelta(300), None, Standing("on_plan", 0, 0, 5_000)),
        (4_000, date(2011, 4, 30) + timedelta(300), None, Standing("on_plan", 0, 0, 5_000)),
        (5_001, date(2011, 4, 30) + timedelta(300), None, Standing("behind", 1, 0, 5_000)),
        # At the start, every line is allowed.
        (10_000, date(2011, 4, 30), None, Standing("on_plan", 0, 0, 10_000)),
        # After the switch-off day: every line left is behind, by the days since that day.
        (37, date(2012, 12, 31), date(2013, 1, 5), Standing("overdue", 37, 16, 0)),
        (0, date(2012, 12, 31), None, Standing("cleared")),
        (0, date(2011, 8, 31), None, Standing("cleared")),
    ],
)
def test_a_regions_standing_against_its_plans_path(
    remaining: int, month_end: date, today: date | None, expected: Standing
) -> None:
    assert standing(remaining, month_end, today) == expected


def test_a_plan_without_a_switch_off_day_has_no_path() -> None:
    foshan = PlanDates(announced=date(2011, 1, 10), no_new_sales=date(2011, 2, 1))
    found = plan_standing(
        foshan, remaining=500, month_end=date(2011, 8, 31), start=START, today=date(2011, 9, 1)
    )
    assert found == Standing("no_date")


def test_without_figures_before_the_path_a_region_is_on_plan() -> None:
    found = plan_standing(
        PLAN, remaining=500, month_end=date(2011, 8, 31), start=None, today=date(2011, 9, 1)
    )
    assert found == Standing("on_plan")


months = st.integers(min_value=0, max_value=19).map(lambda i: date(2011, 5, 31) + timedelta(30 * i))


@given(
    st.integers(min_value=1, max_value=20_000), st.integers(min_value=0, max_value=5_000), months
)
def test_more_lines_are_never_less_behind(remaining: int, more: int, month_end: date) -> None:
    fewer, many = standing(remaining, month_end), standing(remaining + more, month_end)
    assert many.lines_behind >= fewer.lines_behind
    assert many.lines_behind - fewer.lines_behind <= more


@given(months, months)
def test_the_path_allows_fewer_lines_as_the_switch_off_nears(first: date, later: date) -> None:
    first, later = min(first, later), max(first, later)
    assert standing(1, later).planned <= standing(1, first).planned  # type: ignore[operator]


@pytest.mark.parametrize(
    ("plan", "today", "days"),
    [
        (PlanDates(switched_off=date(2012, 1, 10)), date(2012, 12, 31), 10),  # Chaohu: 10 late
        (PlanDates(switched_off=date(2011, 6, 30)), date(2012, 12, 31), None),  # in time
        (PlanDates(switched_off=date(2012, 12, 20)), date(2012, 6, 30), 182),  # not yet off
        (PlanDates(), date(2012, 12, 31), 366),  # no switch-off at all
        (PlanDates(), date(2011, 9, 15), None),  # before the deadline
    ],
)
def test_days_past_the_regulators_deadline(plan: PlanDates, today: date, days: int | None) -> None:
    assert days_past_deadline(plan, DEADLINE, today=today) == days
    assert days_past_deadline(plan, None, today=today) is None
