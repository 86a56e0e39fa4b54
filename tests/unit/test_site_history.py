"""Pure rules of the site history: status on a day, outages, the cleared band, the plan order."""

from __future__ import annotations

from datetime import date

import pytest

from sunset.sites.history import (
    Change,
    Outage,
    SiteLoad,
    is_cleared,
    months_between,
    outages,
    plan_steps,
    status_on,
    switch_off_order,
)

HISTORY = [
    Change(date(2011, 1, 1), "on_air"),
    Change(date(2011, 3, 10), "faulty"),
    Change(date(2011, 4, 1), "off_air"),
    Change(date(2011, 9, 10), "on_air"),
    Change(date(2012, 1, 1), "dismantled"),
]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2010, 12, 31), None),
        (date(2011, 3, 9), "on_air"),
        (date(2011, 3, 10), "faulty"),
        (date(2011, 9, 9), "off_air"),
        (date(2013, 1, 1), "dismantled"),
    ],
)
def test_the_status_on_a_day_is_the_latest_change_not_after_it(
    day: date, expected: str | None
) -> None:
    assert status_on(HISTORY, day) == expected


def test_faulty_then_off_air_is_one_outage_until_back_on_air_and_dismantled_never_ends() -> None:
    assert outages(HISTORY) == [
        Outage(date(2011, 3, 10), date(2011, 9, 10)),
        Outage(date(2012, 1, 1), None),
    ]


@pytest.mark.parametrize(
    ("statuses", "cleared"),
    [
        (["off_air", "dismantled"], True),
        (["off_air", "faulty"], False),  # a faulty site still holds the band
        (["off_air", "on_air"], False),
        ([], False),  # no sites known: nothing proves the band clear
    ],
)
def test_a_band_is_cleared_only_when_every_site_is_off_air_or_dismantled(
    statuses: list[str], cleared: bool
) -> None:
    assert is_cleared(statuses) is cleared


def test_months_between_spans_a_year_end() -> None:
    assert months_between(date(2011, 11, 15), date(2012, 1, 5)) == [
        date(2011, 11, 1),
        date(2011, 12, 1),
        date(2012, 1, 1),
    ]


def test_sites_go_most_upkeep_per_line_first_and_the_budget_stops_the_walk() -> None:
    ranked = switch_off_order(
        [
            SiteLoad("busy", 3000_00, 300),
            SiteLoad("remote", 1500_00, 3),
            SiteLoad("idle", 800_00, 0),
        ]
    )
    assert [s.site_id for s in ranked] == ["idle", "remote", "busy"]

    steps = plan_steps(ranked, migration_cost_fen=100_00, budget_fen=1000_00)

    assert [(s.cost_fen, s.within_budget, s.saving_fen) for s in steps] == [
        (0, True, 800_00),
        (300_00, True, 2300_00),
        (30000_00, False, 2300_00),
    ]
