"""The pure rules of retirement plans: the phase of a day, what a valid plan is, what each phase
refuses and how the refusal explains itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sunset.plans.rules import (
    OPTIONS,
    PlanDates,
    Refusal,
    check_plan,
    may_activate,
    may_operate,
    may_top_up,
)
from sunset.plans.vocabulary import DATED_PHASES, LABELS, Phase

# Chaohu's plan in DOMAIN.md: every phase dated.
CHAOHU = PlanDates(
    announced=date(2011, 6, 1),
    no_new_sales=date(2011, 7, 1),
    topups_refused=date(2011, 10, 1),
    switched_off=date(2012, 1, 10),
    cleared=date(2012, 3, 31),
)
# Shijiazhuang: no top-ups-refused phase, straight from no new sales to the switch-off.
SHIJIAZHUANG = PlanDates(
    announced=date(2011, 9, 1), no_new_sales=date(2011, 10, 1), switched_off=date(2012, 2, 15)
)
# Shenyang: no no-new-sales phase; top-ups refused long before the switch-off.
SHENYANG = PlanDates(
    announced=date(2011, 3, 1), topups_refused=date(2011, 6, 1), switched_off=date(2012, 9, 30)
)
# Foshan: new sales stopped, nothing else planned.
FOSHAN = PlanDates(announced=date(2011, 1, 10), no_new_sales=date(2011, 2, 1))
DEADLINE = date(2011, 12, 31)
WHERE = "the phs network of Chaohu (0565)"
ORDER = [Phase.IN_SERVICE, *DATED_PHASES]


def day_before(day: date | None) -> date:
    assert day is not None
    return day - timedelta(days=1)


# --- phase_on ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "day", "phase"),
    [
        pytest.param(CHAOHU, date(2011, 5, 31), Phase.IN_SERVICE, id="before-announcement"),
        pytest.param(CHAOHU, date(2011, 6, 1), Phase.ANNOUNCED, id="announcement-day-itself"),
        pytest.param(CHAOHU, date(2011, 6, 30), Phase.ANNOUNCED, id="eve-of-no-new-sales"),
        pytest.param(CHAOHU, date(2011, 7, 1), Phase.NO_NEW_SALES, id="no-new-sales-day"),
        pytest.param(CHAOHU, date(2011, 9, 30), Phase.NO_NEW_SALES, id="eve-of-topups-refused"),
        pytest.param(CHAOHU, date(2011, 10, 1), Phase.TOPUPS_REFUSED, id="topups-refused-day"),
        pytest.param(CHAOHU, date(2012, 1, 9), Phase.TOPUPS_REFUSED, id="eve-of-switch-off"),
        pytest.param(CHAOHU, date(2012, 1, 10), Phase.SWITCHED_OFF, id="switch-off-day"),
        pytest.param(CHAOHU, date(2012, 3, 31), Phase.CLEARED, id="cleared-day"),
        pytest.param(CHAOHU, date(2030, 1, 1), Phase.CLEARED, id="long-after"),
        pytest.param(SHIJIAZHUANG, date(2012, 1, 1), Phase.NO_NEW_SALES, id="skipped-topups-phase"),
        pytest.param(
            SHIJIAZHUANG, date(2012, 2, 15), Phase.SWITCHED_OFF, id="skip-straight-to-switch-off"
        ),
        pytest.param(SHENYANG, date(2011, 5, 1), Phase.ANNOUNCED, id="skipped-no-new-sales"),
        pytest.param(SHENYANG, date(2011, 6, 1), Phase.TOPUPS_REFUSED, id="after-skipped-phase"),
        pytest.param(FOSHAN, date(2015, 1, 1), Phase.NO_NEW_SALES, id="no-later-phase-planned"),
        pytest.param(PlanDates(), date(2011, 6, 1), Phase.IN_SERVICE, id="no-plan-at-all"),
        pytest.param(
            PlanDates(switched_off=date(2012, 1, 10)),
            date(2012, 1, 10),
            Phase.SWITCHED_OFF,
            id="only-a-switch-off",
        ),
        pytest.param(
            PlanDates(announced=date(2011, 6, 1), no_new_sales=date(2011, 6, 1)),
            date(2011, 6, 1),
            Phase.NO_NEW_SALES,
            id="two-phases-on-one-day-the-later-wins",
        ),
    ],
)
def test_the_phase_in_force_is_the_latest_phase_that_has_started(
    plan: PlanDates, day: date, phase: Phase
) -> None:
    assert plan.phase_on(day) is phase


# --- check_plan ----------------------------------------------------------------------------


def check(
    new: PlanDates,
    *,
    old: PlanDates | None = None,
    today: date = date(2010, 12, 31),
    min_notice_days: int = 90,
    deadline: date | None = DEADLINE,
) -> tuple[list[str], list[str]]:
    result = check_plan(
        new, old=old, today=today, min_notice_days=min_notice_days, deadline=deadline
    )
    return result.errors, result.warnings


def test_a_plan_in_order_with_enough_notice_before_the_deadline_has_no_errors() -> None:
    plan = PlanDates(
        announced=date(2011, 3, 1), no_new_sales=date(2011, 4, 1), switched_off=date(2011, 12, 31)
    )
    assert check(plan) == ([], [])


@pytest.mark.parametrize(
    ("plan", "later", "earlier"),
    [
        pytest.param(
            PlanDates(announced=date(2011, 6, 1), no_new_sales=date(2011, 5, 1)),
            Phase.NO_NEW_SALES,
            Phase.ANNOUNCED,
            id="no-new-sales-before-announcement",
        ),
        pytest.param(
            PlanDates(
                announced=date(2011, 1, 1),
                topups_refused=date(2011, 12, 1),
                switched_off=date(2011, 11, 1),
            ),
            Phase.SWITCHED_OFF,
            Phase.TOPUPS_REFUSED,
            id="switch-off-before-topups-refused-across-a-skipped-phase",
        ),
        pytest.param(
            PlanDates(
                announced=date(2011, 1, 1),
                switched_off=date(2011, 12, 1),
                cleared=date(2011, 11, 30),
            ),
            Phase.CLEARED,
            Phase.SWITCHED_OFF,
            id="cleared-before-switch-off",
        ),
    ],
)
def test_phases_out_of_order_are_refused_naming_both_phases_and_dates(
    plan: PlanDates, later: Phase, earlier: Phase
) -> None:
    errors, _ = check(plan)

    assert len(errors) == 1
    assert LABELS[later] in errors[0] and LABELS[earlier] in errors[0]
    assert str(plan.date_of(later)) in errors[0] and str(plan.date_of(earlier)) in errors[0]
    assert "order" in errors[0]


def test_a_switch_off_70_days_after_the_announcement_is_refused_with_the_earliest_valid_date() -> (
    None
):
    # The worked example of check_plan's docstring.
    plan = PlanDates(announced=date(2011, 11, 1), switched_off=date(2012, 1, 10))

    errors, _ = check(plan)

    assert len(errors) == 1
    assert "70 days of notice" in errors[0]
    assert "the minimum is 90 days" in errors[0]
    assert "switch off on 2012-01-30 or later" in errors[0]


@pytest.mark.parametrize(
    ("switched_off", "refused"),
    [
        pytest.param(date(2012, 1, 29), True, id="89-days"),
        pytest.param(date(2012, 1, 30), False, id="exactly-90-days"),
        pytest.param(date(2012, 1, 31), False, id="91-days"),
    ],
)
def test_the_minimum_notice_is_counted_in_whole_days_from_the_announcement(
    switched_off: date, refused: bool
) -> None:
    plan = PlanDates(announced=date(2011, 11, 1), switched_off=switched_off)
    errors, _ = check(plan)
    assert bool(errors) is refused


def test_the_minimum_notice_period_is_configurable() -> None:
    plan = PlanDates(announced=date(2011, 11, 1), switched_off=date(2012, 1, 10))
    assert check(plan, min_notice_days=70) == (
        [],
        [f"switch-off on 2012-01-10 is after the regulator's deadline {DEADLINE}"],
    )
    assert check(plan, min_notice_days=71)[0]


def test_a_switch_off_without_an_announcement_is_refused() -> None:
    errors, _ = check(PlanDates(switched_off=date(2011, 12, 31)))

    assert errors == ["a switch-off needs an announcement at least 90 days before it"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"announced": date(2011, 8, 1)}, id="moved-later"),
        pytest.param({"announced": date(2011, 5, 1)}, id="moved-earlier"),
        pytest.param({"announced": None}, id="removed"),
    ],
)
def test_a_phase_that_has_started_cannot_be_moved_or_removed(
    change: dict[str, date | None],
) -> None:
    old = PlanDates(announced=date(2011, 6, 1), switched_off=date(2012, 1, 10))

    errors, _ = check(old.with_changes(**change), old=old, today=date(2011, 7, 1))

    assert any(
        f"{LABELS[Phase.ANNOUNCED]} already started on 2011-06-01: it cannot be moved or removed"
        == e
        for e in errors
    ), errors


def test_a_phase_that_has_not_started_may_still_be_moved() -> None:
    old = PlanDates(announced=date(2011, 6, 1), switched_off=date(2012, 1, 10))

    new = old.with_changes(switched_off=date(2012, 3, 1))

    assert check(new, old=old, today=date(2011, 7, 1))[0] == []


def test_a_new_date_in_the_past_is_refused_but_today_is_allowed() -> None:
    old = PlanDates(announced=date(2011, 6, 1), switched_off=date(2012, 1, 10))
    today = date(2011, 7, 1)

    past, _ = check(old.with_changes(no_new_sales=date(2011, 6, 30)), old=old, today=today)
    present, _ = check(old.with_changes(no_new_sales=today), old=old, today=today)

    assert past == [
        f"{LABELS[Phase.NO_NEW_SALES]} on 2011-06-30 would be in the past (today is 2011-07-01)"
    ]
    assert present == []


def test_a_new_plan_dated_in_the_past_is_refused() -> None:
    errors, _ = check(
        PlanDates(announced=date(2010, 12, 1), switched_off=date(2011, 6, 1)),
        today=date(2010, 12, 31),
    )
    assert errors == [
        f"{LABELS[Phase.ANNOUNCED]} on 2010-12-01 would be in the past (today is 2010-12-31)"
    ]


def test_a_switch_off_after_the_regulators_deadline_is_only_a_warning() -> None:
    errors, warnings = check(CHAOHU)

    assert errors == []
    assert warnings == ["switch-off on 2012-01-10 is after the regulator's deadline 2011-12-31"]


def test_a_plan_without_a_switch_off_is_warned_about_the_deadline() -> None:
    errors, warnings = check(FOSHAN)

    assert errors == []
    assert warnings == ["the plan sets no switch-off date; the regulator's deadline is 2011-12-31"]


def test_every_broken_rule_is_named_not_just_the_first() -> None:
    plan = PlanDates(
        announced=date(2010, 12, 1), no_new_sales=date(2010, 11, 1), switched_off=date(2011, 1, 1)
    )

    errors, _ = check(plan, today=date(2010, 12, 31))

    assert len(errors) == 4  # order, notice, and two dates in the past


# --- may_top_up / may_activate / may_operate -----------------------------------------------


@pytest.mark.parametrize(
    ("rule", "plan", "day", "code", "phase"),
    [
        pytest.param(may_top_up, CHAOHU, date(2011, 9, 30), None, None, id="topup-eve"),
        pytest.param(
            may_top_up,
            CHAOHU,
            date(2011, 10, 1),
            "TOPUP_REFUSED_PHASE",
            Phase.TOPUPS_REFUSED,
            id="topup-refused-day",
        ),
        pytest.param(
            may_top_up,
            CHAOHU,
            date(2012, 1, 10),
            "LINE_SWITCHED_OFF",
            Phase.SWITCHED_OFF,
            id="topup-after-switch-off",
        ),
        pytest.param(
            may_top_up,
            CHAOHU,
            date(2012, 4, 1),
            "LINE_SWITCHED_OFF",
            Phase.CLEARED,
            id="topup-after-clearing",
        ),
        pytest.param(
            may_top_up, SHIJIAZHUANG, date(2012, 2, 14), None, None, id="topup-no-refusal-phase"
        ),
        pytest.param(
            may_top_up,
            SHIJIAZHUANG,
            date(2012, 2, 15),
            "LINE_SWITCHED_OFF",
            Phase.SWITCHED_OFF,
            id="topup-switch-off-without-refusal-phase",
        ),
        pytest.param(may_activate, CHAOHU, date(2011, 6, 30), None, None, id="activate-eve"),
        pytest.param(
            may_activate,
            CHAOHU,
            date(2011, 7, 1),
            "ACTIVATION_REFUSED_NO_NEW_SALES",
            Phase.NO_NEW_SALES,
            id="activate-no-new-sales",
        ),
        pytest.param(
            may_activate,
            CHAOHU,
            date(2011, 11, 1),
            "ACTIVATION_REFUSED_NO_NEW_SALES",
            Phase.TOPUPS_REFUSED,
            id="activate-in-a-later-phase",
        ),
        pytest.param(
            may_activate,
            SHENYANG,
            date(2011, 6, 1),
            "ACTIVATION_REFUSED_NO_NEW_SALES",
            Phase.TOPUPS_REFUSED,
            id="activate-skipped-no-new-sales",
        ),
        pytest.param(
            may_activate,
            CHAOHU,
            date(2012, 1, 10),
            "LINE_SWITCHED_OFF",
            Phase.SWITCHED_OFF,
            id="activate-after-switch-off",
        ),
        pytest.param(may_operate, CHAOHU, date(2012, 1, 9), None, None, id="operate-eve"),
        pytest.param(
            may_operate,
            CHAOHU,
            date(2012, 1, 10),
            "LINE_SWITCHED_OFF",
            Phase.SWITCHED_OFF,
            id="operate-after-switch-off",
        ),
        pytest.param(may_top_up, PlanDates(), date(2030, 1, 1), None, None, id="no-plan"),
    ],
)
def test_each_phase_refuses_with_its_code_naming_the_phase_its_date_and_the_options(
    rule: Callable[..., Refusal | None],
    plan: PlanDates,
    day: date,
    code: str | None,
    phase: Phase | None,
) -> None:
    refusal = rule(plan, day, where=WHERE)

    if code is None:
        assert refusal is None
        return
    assert isinstance(refusal, Refusal)
    assert refusal.code == code
    assert phase is not None
    assert f"{WHERE} is in phase {LABELS[phase]} since {plan.date_of(phase)}" in refusal.message
    assert OPTIONS in refusal.message


def test_a_topup_refusal_before_the_switch_off_says_when_the_switch_off_comes() -> None:
    refusal = may_top_up(CHAOHU, date(2011, 11, 15), where=WHERE)

    assert refusal is not None
    assert "it will be switched off on 2012-01-10" in refusal.message
    assert "keeps working while its balance lasts" in refusal.message


# --- properties over random plans ----------------------------------------------------------

START = date(2011, 1, 1)


@st.composite
def plans(draw: st.DrawFn) -> PlanDates:
    """A plan in order: each phase dated (or skipped) no earlier than the one before it."""
    day = START + timedelta(days=draw(st.integers(0, 400)))
    dates: dict[str, date | None] = {}
    for phase in DATED_PHASES:
        if draw(st.booleans()):
            day += timedelta(days=draw(st.integers(0, 200)))
            dates[phase.value] = day
        else:
            dates[phase.value] = None
    return PlanDates(**dates)


days = st.integers(-30, 1500).map(lambda n: START + timedelta(days=n))


@settings(max_examples=300, deadline=None)
@given(plans(), days, days)
def test_the_phase_never_goes_back_as_days_go_forward(plan: PlanDates, a: date, b: date) -> None:
    early, late = sorted((a, b))
    assert ORDER.index(plan.phase_on(early)) <= ORDER.index(plan.phase_on(late))


@settings(max_examples=300, deadline=None)
@given(plans(), days)
def test_top_ups_are_refused_exactly_from_the_refusal_or_the_switch_off_on(
    plan: PlanDates, day: date
) -> None:
    refusing = [d for d in (plan.topups_refused, plan.switched_off, plan.cleared) if d]
    off = [d for d in (plan.switched_off, plan.cleared) if d]

    refusal = may_top_up(plan, day, where=WHERE)

    if off and day >= min(off):
        assert refusal is not None and refusal.code == "LINE_SWITCHED_OFF"
    elif refusing and day >= min(refusing):
        assert refusal is not None and refusal.code == "TOPUP_REFUSED_PHASE"
    else:
        assert refusal is None


@settings(max_examples=200, deadline=None)
@given(plans())
def test_top_ups_are_accepted_on_the_eve_of_the_refusal_and_refused_on_its_day(
    plan: PlanDates,
) -> None:
    refusing = [d for d in (plan.topups_refused, plan.switched_off, plan.cleared) if d]
    if not refusing:
        return
    first = min(refusing)
    assert may_top_up(plan, day_before(first), where=WHERE) is None
    assert may_top_up(plan, first, where=WHERE) is not None
