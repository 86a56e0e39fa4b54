"""No charge for a day without service: a line whose home site is off air or faulty gets the
days charged for it back as a credit, at the month-end or when the history is recorded late."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import RunCli
from tests.factories import (
    entries_of,
    import_file,
    import_sites_rows,
    line_of,
    line_row,
    record_site_status,
    rows_of,
    site_row,
    violations_of,
    write_csv,
)

from sunset.cycle.credits import credit_history
from sunset.cycle.daily import run_cycle
from sunset.db import session_scope
from sunset.sites import history
from sunset.sites import repository as sites

BEIJING = "0551-62000000"  # postpaid 70 yuan a month, home site S0551-0
NEIGHBOUR = "0551-62000001"  # prepaid 20 yuan, 100 yuan on it, home site S0551-0
ELSEWHERE = "0551-62000002"  # postpaid 70 yuan, home site S0551-1 (never out)
FRESH = "0551-62000003"  # postpaid 31 yuan, activated 2011-03-11, home site S0551-0


@pytest.fixture
def base(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    rows = [
        line_row(0, monthly_fee="70", balance="0", prepaid="false", home_site="S0551-0"),
        line_row(1, monthly_fee="20", balance="100", prepaid="true", home_site="S0551-0"),
        line_row(2, monthly_fee="70", balance="0", prepaid="false", home_site="S0551-1"),
        line_row(
            3,
            monthly_fee="31",
            balance="0",
            prepaid="false",
            home_site="S0551-0",
            activated_on="2010-12-31",
        ),
    ]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    import_sites_rows(engine, tmp_path, [site_row(0), site_row(1)])
    return engine


def run(engine: sa.Engine, until: date, start: date = date(2011, 1, 1)) -> None:
    run_cycle(engine, until=until, start=start)
    assert violations_of(engine) == []


def credits(engine: sa.Engine, number: str) -> list[tuple[object, ...]]:
    return entries_of(engine, number, "credit")


def correct_in_tables(engine: sa.Engine, site_id: str, change: history.Change, on: date) -> None:
    """The network team's correction of a site's history in the tables themselves (nothing
    credited): its one change from then on, and the outages that follow from it."""
    with session_scope(engine, write=True) as session:
        site = sites.get(session, site_id)
        assert site is not None
        sites.save_change(session, site, change, recorded_on=on)
        sites.replace_outages(session, site, history.outages([change]))


def test_beijing_six_months_without_signal_on_70_yuan_gives_420_yuan_back_with_the_reason(
    base: sa.Engine,
) -> None:
    run(base, until=date(2011, 12, 31))  # charged all year: history recorded months later
    written = record_site_status(
        base, "S0551-0", "dismantled", date(2011, 7, 1), today=date(2012, 1, 5)
    )

    assert written > 0
    assert credits(base, BEIJING) == [("2012-01-05", 7000)] * 6
    assert sum(a for _, a in credits(base, BEIJING)) == 42000  # 420 yuan
    reasons = rows_of(
        base,
        "SELECT e.reference FROM ledger_entries e JOIN lines l ON l.id = e.line_id"
        " WHERE l.number = '+8655162000000' AND e.kind = 'credit' ORDER BY e.period",
    )
    assert reasons[0] == (
        "no service in 2011-07: home site S0551-0 out 31 of 31 days; the days charged are credited",
    )
    assert credits(base, ELSEWHERE) == []
    assert violations_of(base) == []


def test_a_rerun_of_the_late_history_credits_nothing_more(base: sa.Engine) -> None:
    run(base, until=date(2011, 12, 31))
    record_site_status(base, "S0551-0", "off_air", date(2011, 7, 1), today=date(2012, 1, 5))

    assert (
        record_site_status(base, "S0551-0", "off_air", date(2011, 7, 1), today=date(2012, 1, 5))
        == 0
    )
    run(base, until=date(2012, 1, 31), start=date(2012, 1, 1))

    assert credits(base, BEIJING) == [("2012-01-05", 7000)] * 6 + [("2012-01-31", 7000)]
    assert violations_of(base) == []


def test_a_partial_month_outage_credits_exactly_the_days_charged_for_it(base: sa.Engine) -> None:
    record_site_status(base, "S0551-0", "faulty", date(2011, 3, 10))
    record_site_status(base, "S0551-0", "on_air", date(2011, 3, 20))  # back on air

    run(base, until=date(2011, 3, 31))

    # March: 31 days charged 7000; 10 days out, 21 served: 7000 * 21 // 31 = 4741 kept.
    assert entries_of(base, BEIJING, "charge") == [
        ("2011-01-31", -7000),
        ("2011-02-28", -7000),
        ("2011-03-31", -7000),
    ]
    assert credits(base, BEIJING) == [("2011-03-31", 7000 - 7000 * 21 // 31)]
    assert line_of(base, BEIJING)["balance_fen"] == -(7000 * 2 + 7000 * 21 // 31)


def test_an_outage_across_a_month_end_is_credited_in_each_month(base: sa.Engine) -> None:
    record_site_status(base, "S0551-0", "off_air", date(2011, 2, 20))
    record_site_status(base, "S0551-0", "on_air", date(2011, 3, 5))

    run(base, until=date(2011, 4, 30))

    assert credits(base, BEIJING) == [
        ("2011-02-28", 7000 - 7000 * 19 // 28),  # 9 of 28 days out
        ("2011-03-31", 7000 - 7000 * 27 // 31),  # 4 of 31 days out
    ]
    assert violations_of(base) == []


def test_a_line_activated_mid_month_is_credited_only_for_days_it_was_charged(
    base: sa.Engine, tmp_path: Path
) -> None:
    record_site_status(base, "S0551-0", "off_air", date(2011, 1, 1))

    run(base, until=date(2011, 1, 31))

    # FRESH activated 2010-12-31: January fully charged and fully credited.
    assert entries_of(base, FRESH, "charge") == [("2011-01-31", -3100)]
    assert credits(base, FRESH) == [("2011-01-31", 3100)]
    assert line_of(base, FRESH)["balance_fen"] == 0


def test_a_prepaid_line_gets_back_what_was_taken_for_the_silent_days(base: sa.Engine) -> None:
    record_site_status(base, "S0551-0", "off_air", date(2011, 2, 15))

    run(base, until=date(2011, 2, 28))

    assert credits(base, NEIGHBOUR) == [("2011-02-28", 2000 - 2000 * 14 // 28)]
    assert line_of(base, NEIGHBOUR)["balance_fen"] == 10000 - 2000 - 2000 * 14 // 28


def test_a_month_end_rerun_credits_nothing_twice(base: sa.Engine) -> None:
    record_site_status(base, "S0551-0", "off_air", date(2011, 1, 10))
    run(base, until=date(2011, 2, 28))
    run(base, until=date(2011, 2, 28), start=date(2011, 1, 1))

    assert [a for _, a in credits(base, BEIJING)] == [7000 - 7000 * 9 // 31, 7000]


def test_more_outage_recorded_later_for_a_credited_month_credits_only_the_difference(
    base: sa.Engine,
) -> None:
    record_site_status(base, "S0551-0", "off_air", date(2011, 1, 21))
    run(base, until=date(2011, 1, 31))
    first = 7000 - 7000 * 20 // 31

    record_site_status(base, "S0551-0", "faulty", date(2011, 1, 11), today=date(2011, 2, 2))

    assert [a for _, a in credits(base, BEIJING)] == [first, 7000 - 7000 * 10 // 31 - first]
    assert violations_of(base) == []


def test_sites_out_in_one_month_are_credited_in_pieces_all_the_same(
    base: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sunset.sites.jobs.SITES_PER_STATEMENT", 1)
    record_site_status(base, "S0551-0", "off_air", date(2011, 1, 1))
    record_site_status(base, "S0551-1", "faulty", date(2011, 1, 1))

    run(base, until=date(2011, 1, 31))

    assert credits(base, BEIJING) == [("2011-01-31", 7000)]
    assert credits(base, ELSEWHERE) == [("2011-01-31", 7000)]


def test_a_history_corrected_in_the_tables_is_credited_once_by_sites_credit(
    base: sa.Engine, cli: RunCli
) -> None:
    run(base, until=date(2011, 12, 31))
    # The network team corrected the history in the tables themselves: nothing was credited.
    correct_in_tables(
        base, "S0551-0", history.Change(date(2011, 7, 1), "dismantled"), date(2012, 1, 5)
    )
    assert credits(base, BEIJING) == []
    command = ("sites", "credit", "--from", "2011-01", "--to", "2011-12", "--today", "2012-01-05")

    done = cli(*command, "--json")

    assert done.exit_code == 0, done
    # Six months of 70 and of 31 yuan; the prepaid neighbour had nothing left to be charged.
    assert done.json()["areas"] == [{"area_code": "0551", "entries": 12, "credited_yuan": "606.00"}]
    assert credits(base, BEIJING) == [("2012-01-05", 7000)] * 6
    assert credits(base, NEIGHBOUR) == []
    again = cli(*command)
    assert again.exit_code == 0, again
    assert "0 outage credit(s), 0.00 yuan" in again.stdout
    assert credits(base, BEIJING) == [("2012-01-05", 7000)] * 6
    assert violations_of(base) == []


def test_a_stretch_credited_in_pieces_gives_each_line_each_month_once(
    base: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One site a statement: the months and sites of the stretch are split over many statements,
    # and a line's months land in different ones.
    monkeypatch.setattr("sunset.sites.jobs.SITES_PER_STATEMENT", 1)
    run(base, until=date(2011, 3, 31))
    for site_id, status in (("S0551-0", "off_air"), ("S0551-1", "faulty")):
        correct_in_tables(base, site_id, history.Change(date(2011, 2, 1), status), date(2011, 4, 5))

    done = credit_history(
        base, first=date(2011, 1, 1), last=date(2011, 3, 31), today=date(2011, 4, 5)
    )

    assert [(a.area_code, a.entries) for a in done] == [("0551", 8)]
    assert credits(base, BEIJING) == [("2011-04-05", 7000)] * 2
    assert credits(base, NEIGHBOUR) == [("2011-04-05", 2000)] * 2
    assert credits(base, ELSEWHERE) == [("2011-04-05", 7000)] * 2
    assert credits(base, FRESH) == [("2011-04-05", 3100)] * 2
    assert violations_of(base) == []  # every balance moved by both of its months


def test_a_stretch_with_a_month_credited_before_moves_each_balance_by_the_new_credits_alone(
    base: sa.Engine,
) -> None:
    # January was credited at its month-end; then the history was corrected in the tables: the
    # site was out in March, not in January. Crediting January to March writes March alone and
    # moves each balance by March's credit, not again by January's.
    record_site_status(base, "S0551-0", "off_air", date(2011, 1, 10))
    record_site_status(base, "S0551-0", "on_air", date(2011, 1, 31), today=date(2011, 1, 31))
    run(base, until=date(2011, 3, 31))
    january = credits(base, BEIJING)
    assert [a for _, a in january] == [7000 - 7000 * 10 // 31]  # served the 1st-9th and 31st
    correct_in_tables(
        base, "S0551-0", history.Change(date(2011, 3, 1), "off_air"), date(2011, 4, 5)
    )

    done = credit_history(
        base, first=date(2011, 1, 1), last=date(2011, 3, 31), today=date(2011, 4, 5)
    )

    assert [(a.area_code, a.entries) for a in done] == [("0551", 3)]  # March: three lines
    assert credits(base, BEIJING) == [*january, ("2011-04-05", 7000)]
    assert violations_of(base) == []  # every balance is the sum of its entries


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (
            ("--from", "2011-07", "--to", "2011-06"),
            "--from: 2011-07 is after the last month 2011-06",
        ),
        (("--from", "2011-13"), "'2011-13' is not a month"),
        (("--from", "2011-01", "--to", "2012-02"), "--to: 2012-02 is after today"),
        (("--from", "2011-01", "--area", "9999"), "unknown local network(s) 9999"),
    ],
)
def test_sites_credit_refuses_a_stretch_it_cannot_credit_and_names_why(
    base: sa.Engine, cli: RunCli, args: tuple[str, ...], named: str
) -> None:
    done = cli("sites", "credit", *args, "--today", "2012-01-05")

    assert done.exit_code == 2, done
    assert named in done.stdout + done.stderr
