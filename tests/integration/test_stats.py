"""Month-end snapshots and official series on SQLite and PostgreSQL: the snapshots agree with
`sunset status`, a rerun changes nothing, flows count lines by how they left, and an official
series is imported all or nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.factories import import_file, line_row, rows_of, send_notice, set_plan, write_csv

from sunset.cycle.daily import run_cycle
from sunset.db import session_scope
from sunset.errors import ImportRejectedError
from sunset.kit.rows import RowError
from sunset.stats import service
from sunset.stats.jobs import record_month_end
from sunset.status.service import status_report

SWITCH_OFF = date(2012, 1, 10)
SNAPSHOTS = (
    "SELECT area_code, month, operator_code, network_code, status, lines FROM stats_snapshots"
    " ORDER BY area_code, month, operator_code, network_code, status"
)
FLOWS = (
    "SELECT area_code, month, operator_code, network_code, terminated, switched_off, migrated,"
    " ported_out, activated, refunds, refunded_fen FROM stats_flows"
    " ORDER BY area_code, month, operator_code"
)


def two_regions(engine: sa.Engine, folder: Path) -> sa.Engine:
    """Four Hefei lines (telecom) switched off on 2012-01-10, two Shijiazhuang lines (unicom)."""
    rows = [line_row(i, balance="100", prepaid="true") for i in range(4)] + [
        line_row(
            10 + i,
            number=f"0311-8600000{i}",
            area_code="0311",
            operator="unicom",
            customer_id=f"S{i}",
        )
        for i in range(2)
    ]
    import_file(engine, write_csv(folder / "lines.csv", rows))
    set_plan(engine, announced=date(2011, 6, 1), switched_off=SWITCH_OFF)
    send_notice(engine, "0551", date(2011, 6, 1))
    return engine


@pytest.fixture
def regions(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    return two_regions(engine, tmp_path)


def snapshot_groups(engine: sa.Engine, month: str) -> Counter[tuple[object, ...]]:
    rows = rows_of(engine, SNAPSHOTS)
    return Counter({(a, n, o, s): c for a, m, o, n, s, c in rows if m == month})


def test_month_end_snapshot_sums_equal_the_status_counts(regions: sa.Engine) -> None:
    run_cycle(regions, until=date(2012, 1, 31), start=date(2011, 11, 1))

    with session_scope(regions) as session:
        report = status_report(session)
    status = Counter(
        {(g.area_code, g.network, g.operator, g.status): g.lines for g in report.lines.groups}
    )
    assert snapshot_groups(regions, "2012-01") == status
    assert status[("0551", "phs", "telecom", "terminated")] == 4


def test_a_rerun_of_the_cycle_or_of_a_month_end_gives_the_same_snapshots(
    regions: sa.Engine,
) -> None:
    run_cycle(regions, until=date(2012, 2, 29), start=date(2011, 11, 1))
    first = rows_of(regions, SNAPSHOTS), rows_of(regions, FLOWS)

    run_cycle(regions, until=date(2012, 2, 29))
    for area_code in ("0311", "0551"):  # recorded again over the rows of the first run
        for day in (date(2011, 11, 30), date(2011, 12, 31), date(2012, 1, 31), date(2012, 2, 29)):
            with session_scope(regions) as session:
                record_month_end(session, area_code=area_code, day=day)

    assert (rows_of(regions, SNAPSHOTS), rows_of(regions, FLOWS)) == first
    assert len(first[0]) == 2 * 4  # two regions, four months, one status in each


def test_a_crash_during_a_month_end_leaves_no_snapshot_and_the_rerun_records_it(
    regions: sa.Engine,
) -> None:
    run_cycle(regions, until=date(2011, 12, 31), start=date(2011, 11, 1))
    with pytest.raises(RuntimeError), session_scope(regions) as session:
        record_month_end(session, area_code="0551", day=date(2012, 1, 31))
        raise RuntimeError("the process died before the commit")
    assert {m for _, m, *_ in rows_of(regions, SNAPSHOTS)} == {"2011-11", "2011-12"}

    run_cycle(regions, until=date(2012, 1, 31))

    assert snapshot_groups(regions, "2012-01") == {
        ("0551", "phs", "telecom", "terminated"): 4,
        ("0311", "phs", "unicom", "active"): 2,
    }


def test_flows_count_the_lines_that_left_in_the_month_by_how_and_the_refunds(
    regions: sa.Engine,
) -> None:
    with regions.begin() as conn:  # as the migration service records a move to a new line
        conn.execute(
            sa.text(
                "UPDATE lines SET status = 'migrated', terminated_on = '2011-12-05'"
                " WHERE number = '+8631186000000'"
            )
        )
    run_cycle(regions, until=date(2012, 1, 31), start=date(2011, 11, 1))

    refunded = 4 * (10000 - 2 * 2000 - 2000 * 9 // 31)
    assert rows_of(regions, FLOWS) == [  # Hefei's four lines went at the switch-off
        ("0311", "2011-12", "unicom", "phs", 0, 0, 1, 0, 0, 0, 0),
        ("0551", "2012-01", "telecom", "phs", 0, 4, 0, 0, 0, 4, refunded),
    ]


def test_a_month_end_recorded_late_counts_lines_as_they_stood_that_day(
    regions: sa.Engine,
) -> None:
    with regions.begin() as conn:  # ported out in February, the snapshot of January run after
        conn.execute(
            sa.text(
                "UPDATE lines SET status = 'ported_out', terminated_on = '2012-02-03'"
                " WHERE area_code = '0311'"
            )
        )
    with session_scope(regions) as session:
        record_month_end(session, area_code="0311", day=date(2012, 1, 31))

    assert snapshot_groups(regions, "2012-01") == {("0311", "phs", "unicom", "active"): 2}


def test_progress_gives_the_change_in_the_month_since_december_and_the_share(
    regions: sa.Engine, tmp_path: Path
) -> None:
    run_cycle(regions, until=date(2012, 2, 29), start=date(2011, 11, 1))
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(
        "month_end,subscribers_10k,quoted,source\n2011-12,0.01,Q,test\n2012-02,0.001,Q,test\n"
    )
    with session_scope(regions) as session:
        service.import_official(session, path=fixed, series="fixed:0311")
        report = service.progress(session, by="region", first="2012-01")

    rows = {(r.group, r.month): r for r in report.rows}
    assert set(rows) == {
        ("0311", "2012-01"),
        ("0311", "2012-02"),
        ("0551", "2012-01"),
        ("0551", "2012-02"),
    }
    hefei = rows[("0551", "2012-01")]
    assert (hefei.remaining, hefei.change_month, hefei.change_ytd) == (0, -4, -4)
    assert (hefei.terminated, hefei.switched_off, hefei.refunds) == (0, 4, 4)
    shijiazhuang = rows[("0311", "2012-02")]
    assert (shijiazhuang.remaining, shijiazhuang.change_month) == (2, 0)
    assert (shijiazhuang.share_start_of_year_pct, shijiazhuang.share_pct) == (2.0, 20.0)
    assert "0551, 2012-02: down 4 to 0 phs lines since 2011-12" in report.headlines
    assert report.network == "phs"


def test_the_shipped_national_series_is_in_every_new_database(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        report = service.official_progress(session, first="2011-12", last="2012-02")

    assert [(r.month, r.remaining, r.change_ytd) for r in report.rows] == [
        ("2011-12", 1785.2, -1078.0),  # the whole of 2011
        ("2012-02", 1634.0, -151.2),
    ]


def test_an_official_series_with_a_bad_row_is_refused_whole_naming_row_and_field(
    engine: sa.Engine, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "month_end,subscribers_10k,quoted,source\n"
        "2012-03,1600,Q,ok\n"
        "2012-13,1500,Q,bad month\n"
        "\n"
        "2012-05,lots,X,bad value and flag\n"
        "2012-03,1590,Q,again\n"
    )
    with pytest.raises(ImportRejectedError) as refused, session_scope(engine) as session:
        service.import_official(session, path=bad)

    assert refused.value.errors == [
        RowError(3, "month_end", "2012-13", "not a month (YYYY-MM)"),
        RowError(5, "subscribers_10k", "lots", "not a number"),
        RowError(5, "quoted", "X", "must be Q (quoted) or D (derived)"),
        RowError(6, "month_end", "2012-03", "month given twice (first on row 2)"),
    ]
    assert "row 3, month_end '2012-13'" in refused.value.message
    with session_scope(engine) as session:
        assert len(service.official_progress(session).rows) == 32  # the shipped series intact


def test_an_official_import_replaces_the_series_and_the_shipped_one_comes_back(
    engine: sa.Engine, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.csv"
    mine.write_text("Month_End,Subscribers_10k,Quoted\n2012-03,1600,q\n2012-01,1700,D\n")
    with session_scope(engine) as session:
        done = service.import_official(session, path=mine)
    with session_scope(engine) as session:
        months = [r.month for r in service.official_progress(session).rows]
        again = service.import_shipped(session)

    assert (done.points, done.first_month, done.last_month) == (2, "2012-01", "2012-03")
    assert months == ["2012-01", "2012-03"]
    assert (again.points, again.first_month, again.last_month) == (32, "2005-05", "2012-02")
