"""Pure rules of the statistics: months, changes, shares, the regulator's sentence, and what an
official row must be."""

from __future__ import annotations

import pytest

from sunset.kit.rows import RowError
from sunset.stats.rules import (
    add_months,
    check_official_row,
    headline,
    month_grid,
    progress_rows,
)


@pytest.mark.parametrize(
    ("month", "count", "expected"),
    [("2011-11", 3, "2012-02"), ("2012-01", -1, "2011-12"), ("2011-12", 0, "2011-12")],
)
def test_months_add_across_the_year(month: str, count: int, expected: str) -> None:
    assert add_months(month, count) == expected


def test_a_month_grid_has_every_month_of_the_span() -> None:
    assert month_grid("2011-11", "2012-02") == ["2011-11", "2011-12", "2012-01", "2012-02"]


def test_the_regulators_report_reads_down_since_december_with_the_share() -> None:
    # The ministry, end of February 2012: down 1.530 M to 16.341 M, share from 6.3 % to 5.7 %.
    values = {"national": {"2011-12": 1787.1, "2012-02": 1634.1}}
    fixed = {"national": {"2011-12": 1787.1 / 0.063, "2012-02": 1634.1 / 0.057}}

    (december, february) = progress_rows(values, totals=fixed)

    assert february.change_ytd == pytest.approx(-153.0)
    assert (february.share_start_of_year_pct, february.share_pct) == (6.3, 5.7)
    assert february.change_month is None  # January was not published: no change is made up
    assert december.change_ytd is None  # nor is one since a December that is missing
    assert headline(february, unit="10k") == (
        "national, 2012-02: down 153 to 1,634.1 10k since 2011-12, share from 6.3 % to 5.7 %"
    )


def test_progress_rows_keep_the_months_asked_for_but_count_changes_from_before() -> None:
    values = {"0551": {"2011-12": 100, "2012-01": 90, "2012-02": 70}}

    rows = progress_rows(values, first="2012-02")

    assert [(r.month, r.change_month, r.change_ytd) for r in rows] == [("2012-02", -20, -30)]


def test_a_valid_official_row_is_read_with_its_flag_and_source() -> None:
    row, errors = check_official_row(
        {"month_end": "2012-02", "subscribers_10k": "1,634", "quoted": "q", "source": "MIIT"},
        line=2,
    )

    assert errors == []
    assert row is not None
    assert (row.month, row.value_10k, row.quoted, row.source) == ("2012-02", 1634.0, "Q", "MIIT")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("month_end", "2012-2", "not a month (YYYY-MM)"),
        ("month_end", "2012-00", "not a month (YYYY-MM)"),
        ("subscribers_10k", "-3", "must not be negative"),
        ("subscribers_10k", "nan", "not a number"),
        ("quoted", "R", "must be Q (quoted) or D (derived)"),
    ],
)
def test_a_bad_official_row_is_refused_naming_its_row_and_field(
    field: str, value: str, reason: str
) -> None:
    cells = {"month_end": "2012-02", "subscribers_10k": "1634", "quoted": "Q", field: value}

    row, errors = check_official_row(cells, line=7)

    assert row is None
    assert errors == [RowError(7, field, value, reason)]
