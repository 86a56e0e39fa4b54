"""The daily cycle on SQLite and PostgreSQL: month-end charges pro rata, sunset suspensions,
the switch-off with its refunds and quarantine, the lines it must spare, and reruns that change
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from tests.factories import (
    ACTOR,
    e164,
    entries_of,
    import_file,
    line_of,
    line_row,
    noon,
    rows_of,
    scalar_of,
    send_notice,
    set_plan,
    state_of,
    violations_of,
    write_csv,
)

from sunset.cycle.daily import CycleReport, run_cycle
from sunset.db import make_engine, session_scope
from sunset.errors import OperationRefusedError, PlanInvalidError
from sunset.lines.models import Line
from sunset.lines.service import NewLine
from sunset.lines.vocabulary import SuspensionReason
from sunset.notices.service import late_notice_report
from sunset.notices.vocabulary import Channel
from sunset.plans import service as plans_service
from sunset.plans.schemas import PlanView
from sunset.usecases import operations

SWITCH_OFF = date(2012, 1, 10)
CYCLE_FROM = date(2011, 9, 1)  # the cycle starts a month before top-ups are refused
QUARANTINE_END = SWITCH_OFF + timedelta(days=90)  # 2012-04-09

FLAT_70 = "0551-62000000"  # postpaid, the Beijing subscriber's 70-yuan plan
SHORT = "0551-62000001"  # prepaid 20 yuan/month, 30 yuan on it: 10 left after September
COVERED = "0551-62000002"  # prepaid 20 yuan/month, 100 yuan on it: covers every month
TELECARE = "0551-62000003"  # a telecare alarm line, prepaid 10 yuan/month, 80 yuan on it
EXEMPT = "0551-62000004"  # prepaid 10 yuan/month, 80 yuan, exempt until 2012-02-15
POSTPAID = "0551-62000005"  # postpaid 30 yuan/month, 12.50 paid in advance


def hefei_rows() -> list[dict[str, str]]:
    return [
        line_row(0, monthly_fee="70", balance="0", prepaid="false"),
        line_row(1, monthly_fee="20", balance="30", prepaid="true"),
        line_row(2, monthly_fee="20", balance="100", prepaid="true"),
        line_row(3, monthly_fee="10", balance="80", prepaid="true", vulnerable="telecare"),
        line_row(4, monthly_fee="10", balance="80", prepaid="true"),
        line_row(5, monthly_fee="30", balance="12.50", prepaid="false"),
    ]


def build_hefei(engine: sa.Engine, folder: Path) -> sa.Engine:
    """Hefei's six lines, Chaohu's plan (top-ups refused 2011-10-01, switch-off 2012-01-10), every
    line told by SMS on the announcement, and one line exempt until 2012-02-15."""
    import_file(engine, write_csv(folder / "hefei.csv", hefei_rows()))
    set_plan(
        engine,
        announced=date(2011, 6, 1),
        topups_refused=date(2011, 10, 1),
        switched_off=SWITCH_OFF,
        cleared=date(2012, 3, 31),
    )
    send_notice(engine, "0551", date(2011, 6, 1))
    with session_scope(engine, write=True) as session:
        operations.exempt(
            session,
            ACTOR,
            number=EXEMPT,
            until=date(2012, 2, 15),
            granted_by="care agent 7",
            reason="hospital stay",
            today=date(2011, 12, 1),
            now=noon(date(2011, 12, 1)),
        )
    return engine


@pytest.fixture
def hefei(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    return build_hefei(engine, tmp_path)


@pytest.fixture
def twin(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """A second, empty database on the same engine as ``db_url``."""
    if db_url.startswith("sqlite"):
        url, drop = f"sqlite:///{tmp_path}/twin.db", None
    else:
        server = request.getfixturevalue("_pg_server")
        name = server.create()
        url, drop = server.url_for(name), lambda: server.drop(name)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        if drop:
            drop()


def run(engine: sa.Engine, until: date, start: date = CYCLE_FROM) -> CycleReport:
    """Run the cycle to ``until``; every invariant must hold afterwards."""
    report = run_cycle(engine, until=until, start=start)
    assert violations_of(engine) == []
    return report


def refunds_of(engine: sa.Engine, number: str) -> list[tuple[object, ...]]:
    return rows_of(
        engine,
        "SELECT r.amount_fen, r.created_on FROM refunds r JOIN lines l ON l.id = r.line_id"
        " WHERE l.number = :n ORDER BY r.id",
        n=e164(number),
    )


# --- month-end charges ---------------------------------------------------------------------


def test_a_70_yuan_line_switched_off_on_10_january_pays_nine_days_of_january_and_no_more(
    hefei: sa.Engine,
) -> None:
    run(hefei, until=date(2012, 3, 31), start=date(2011, 12, 1))

    assert entries_of(hefei, FLAT_70, "charge") == [
        ("2011-12-31", -7000),
        ("2012-01-10", -(7000 * 9 // 31)),  # 2032 fen: 9 days of 31
    ]
    line = line_of(hefei, FLAT_70)
    assert (line["status"], line["terminated_on"]) == ("terminated", "2012-01-10")
    assert line["balance_fen"] == -9032
    assert refunds_of(hefei, FLAT_70) == []  # it owes money: nothing to pay back


def test_on_sqlite_the_month_end_reads_a_local_networks_lines_through_its_index_by_network(
    hefei: sa.Engine,
) -> None:
    """SQLite has no statistics here and chose between the index by local network and the one by
    home site by their order in the schema: after an import rebuilt them, the 20M-line month-end's
    charges went through the index by home site (lines in site order, then sorted) in twice the
    time. The month-end names its index; PostgreSQL plans by its statistics."""
    if hefei.dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses by its statistics")
    # The index by home site created last, as migration 0012 did: SQLite then preferred it.
    by_site = next(i for i in Line.__table__.indexes if i.name == "ix_lines_site_service")
    with hefei.begin() as connection:
        by_site.drop(connection)
        by_site.create(connection)
    plans: list[str] = []

    def explain(_conn: object, cursor: Any, statement: str, parameters: Any, *_: object) -> None:
        if statement.startswith("INSERT INTO ledger_entries") and "FROM lines" in statement:
            found = cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans.append(" / ".join(row[3] for row in found))

    event.listen(hefei, "before_cursor_execute", explain)
    try:
        run(hefei, date(2011, 9, 30))
    finally:
        event.remove(hefei, "before_cursor_execute", explain)
    assert plans == [
        "SEARCH lines USING INDEX ix_lines_summary (area_code=?) / USE TEMP B-TREE FOR ORDER BY"
    ]


def test_a_prepaid_line_is_never_charged_below_zero(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [
        line_row(0, monthly_fee="20", balance="5", prepaid="true"),
        line_row(1, monthly_fee="20", balance="5", prepaid="false"),
    ]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))

    run(engine, until=date(2011, 3, 31), start=date(2011, 1, 1))

    assert entries_of(engine, "0551-62000000", "charge") == [("2011-01-31", -500)]
    assert line_of(engine, "0551-62000000")["balance_fen"] == 0
    assert entries_of(engine, "0551-62000001", "charge") == [
        ("2011-01-31", -2000),
        ("2011-02-28", -2000),
        ("2011-03-31", -2000),
    ]
    assert line_of(engine, "0551-62000001")["balance_fen"] == 500 - 6000


def test_a_line_activated_mid_month_pays_from_its_first_day(
    engine: sa.Engine, tmp_path: Path
) -> None:
    import_file(engine, write_csv(tmp_path / "lines.csv", [line_row(0)]))
    with session_scope(engine, write=True) as session:
        operations.activate(
            session,
            ACTOR,
            new=new_line("0551-62999999", "0551"),
            today=date(2011, 1, 22),
            now=noon(date(2011, 1, 22)),
        )

    run(engine, until=date(2011, 2, 28), start=date(2011, 1, 1))

    # 10 days of 31 in January (the 22nd to the 31st), then the whole of February.
    assert entries_of(engine, "0551-62999999", "charge") == [
        ("2011-01-31", -(3000 * 10 // 31)),
        ("2011-02-28", -3000),
    ]


# --- the top-ups-refused phase -------------------------------------------------------------


def test_in_the_refusal_phase_a_prepaid_line_short_of_a_month_is_suspended_and_keeps_its_money(
    hefei: sa.Engine,
) -> None:
    run(hefei, until=date(2011, 12, 31))

    short = line_of(hefei, SHORT)
    assert (short["status"], short["suspension_reason"]) == ("suspended", "sunset")
    assert short["suspended_on"] == "2011-10-01"
    assert short["balance_fen"] == 1000  # 30 yuan less September's 20
    assert entries_of(hefei, SHORT, "charge") == [("2011-09-30", -2000)]  # no charge suspended
    covered = line_of(hefei, COVERED)
    assert (covered["status"], covered["balance_fen"]) == ("active", 2000)
    postpaid = line_of(hefei, POSTPAID)
    assert postpaid["status"] == "active"  # a postpaid line is billed, not suspended


def test_the_balance_kept_through_a_sunset_suspension_is_refunded_at_the_switch_off(
    hefei: sa.Engine,
) -> None:
    run(hefei, until=SWITCH_OFF)

    assert entries_of(hefei, SHORT, "charge") == [("2011-09-30", -2000)]
    assert entries_of(hefei, SHORT, "refund") == [("2012-01-10", -1000)]
    assert refunds_of(hefei, SHORT) == [(1000, "2012-01-10")]
    # COVERED paid September to December, then 9 days of January: 2000 x 9 // 31 = 580 fen.
    assert entries_of(hefei, COVERED, "charge")[-1] == ("2012-01-10", -580)
    assert refunds_of(hefei, COVERED) == [(10000 - 4 * 2000 - 580, "2012-01-10")]


def test_no_charge_for_the_days_of_a_sunset_suspension_begun_by_the_cycle(
    hefei: sa.Engine,
) -> None:
    run(hefei, until=date(2012, 1, 9))

    charged = [d for d, _ in entries_of(hefei, SHORT, "charge")]
    assert charged == ["2011-09-30"]
    assert line_of(hefei, SHORT)["balance_fen"] == 1000


def test_no_charge_for_the_days_of_a_sunset_suspension_made_by_an_agent(
    hefei: sa.Engine,
) -> None:
    with session_scope(hefei, write=True) as session:
        operations.suspend(
            session,
            ACTOR,
            number=POSTPAID,
            reason=SuspensionReason.SUNSET,
            today=date(2011, 11, 5),
            now=noon(date(2011, 11, 5)),
        )

    run(hefei, until=date(2011, 12, 31))

    # September and October in full; 4 days of November (1st to 4th); nothing in December.
    assert entries_of(hefei, POSTPAID, "charge") == [
        ("2011-09-30", -3000),
        ("2011-10-31", -3000),
        ("2011-11-30", -(3000 * 4 // 30)),
    ]


# --- the switch-off ------------------------------------------------------------------------


def test_the_switch_off_terminates_refunds_and_quarantines_then_frees_the_numbers(
    hefei: sa.Engine,
) -> None:
    run(hefei, until=SWITCH_OFF)

    gone = [FLAT_70, SHORT, COVERED, POSTPAID]
    assert [line_of(hefei, n)["status"] for n in gone] == ["terminated"] * 4
    assert {line_of(hefei, n)["terminated_on"] for n in gone} == {"2012-01-10"}
    assert [line_of(hefei, n)["balance_fen"] for n in gone] == [
        -(4 * 7000 + 2032),
        0,
        0,
        1250 - 4 * 3000 - 870,
    ]
    # Every refund to pay out is one refund entry on the ledger, of the same amount.
    assert rows_of(
        hefei,
        "SELECT r.line_id, r.amount_fen, e.amount_fen FROM refunds r"
        " JOIN ledger_entries e ON e.area_code = r.area_code AND e.period = r.entry_period"
        " AND e.cause = r.entry_cause AND e.line_id = r.line_id AND e.part = r.entry_part"
        " ORDER BY r.line_id",
    ) == [(2, 1000, -1000), (3, 1420, -1420)]
    assert rows_of(hefei, "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'refund'") == [(2,)]
    assert rows_of(
        hefei, "SELECT number, state, since, until FROM number_holds ORDER BY number"
    ) == [(e164(n), "quarantine", "2012-01-10", "2012-04-09") for n in sorted(gone)]

    run(hefei, until=QUARANTINE_END - timedelta(days=1))
    assert holds(hefei, gone) == [(e164(n), "quarantine") for n in sorted(gone)]

    run(hefei, until=QUARANTINE_END)
    assert holds(hefei, gone) == [(e164(n), "free") for n in sorted(gone)]


def holds(engine: sa.Engine, numbers: list[str]) -> list[tuple[object, ...]]:
    held = rows_of(engine, "SELECT number, state FROM number_holds ORDER BY number")
    return [row for row in held if row[0] in {e164(n) for n in numbers}]


def test_the_run_report_counts_the_charges_switch_offs_and_refunds(hefei: sa.Engine) -> None:
    report = run(hefei, until=SWITCH_OFF)

    month = report.at(SWITCH_OFF, "0551")
    # The last days of FLAT_70, COVERED and POSTPAID (SHORT is suspended: nothing to charge).
    assert month.charges == 3
    assert (month.switched_off, month.refunds, month.refunded_fen) == (4, 2, 2420)
    assert report.at(date(2011, 9, 30), "0551").charges == 6


def test_a_vulnerable_line_is_kept_on_until_its_replacement_is_confirmed(
    hefei: sa.Engine,
) -> None:
    run(hefei, until=date(2012, 1, 31))

    kept = line_of(hefei, TELECARE)
    assert kept["status"] == "active"
    assert entries_of(hefei, TELECARE, "charge")[-1] == ("2012-01-31", -1000)  # still served

    with session_scope(hefei, write=True) as session:
        operations.confirm_replacement(
            session, ACTOR, number=TELECARE, today=date(2012, 2, 1), now=noon(date(2012, 2, 1))
        )
    run(hefei, until=date(2012, 2, 5))

    gone = line_of(hefei, TELECARE)
    assert (gone["status"], gone["terminated_on"]) == ("terminated", "2012-02-01")
    assert refunds_of(hefei, TELECARE) == [(8000 - 5 * 1000, "2012-02-01")]
    assert rows_of(
        hefei, "SELECT state, until FROM number_holds WHERE number = :n", n=e164(TELECARE)
    ) == [("quarantine", "2012-05-01")]


def test_a_replacement_confirmed_for_a_later_day_lets_the_line_go_on_that_day(
    hefei: sa.Engine,
) -> None:
    with session_scope(hefei, write=True) as session:
        operations.confirm_replacement(
            session, ACTOR, number=TELECARE, today=date(2012, 2, 7), now=noon(date(2012, 2, 7))
        )

    run(hefei, until=date(2012, 2, 29))

    gone = line_of(hefei, TELECARE)
    assert (gone["status"], gone["terminated_on"]) == ("terminated", "2012-02-07")


def test_only_a_vulnerable_line_can_have_its_replacement_confirmed(hefei: sa.Engine) -> None:
    with (
        pytest.raises(OperationRefusedError) as caught,
        session_scope(hefei, write=True) as session,
    ):
        operations.confirm_replacement(
            session, ACTOR, number=COVERED, today=date(2011, 12, 1), now=noon(date(2011, 12, 1))
        )

    assert caught.value.code == "LINE_NOT_VULNERABLE"


def test_an_exempt_line_stays_until_its_exemption_ends(hefei: sa.Engine) -> None:
    run(hefei, until=date(2012, 2, 10))
    assert line_of(hefei, EXEMPT)["status"] == "active"

    run(hefei, until=date(2012, 3, 1))  # the cycle itself finds the day after the exemption

    gone = line_of(hefei, EXEMPT)
    assert (gone["status"], gone["terminated_on"]) == ("terminated", "2012-02-16")
    # Charged to the end of January, then 15 days of February (29 days in 2012).
    assert entries_of(hefei, EXEMPT, "charge")[-1] == ("2012-02-16", -(1000 * 15 // 29))


# --- notices -------------------------------------------------------------------------------

ON_TIME, LATE, NEVER = "0565-2234500", "0565-2234501", "0565-2234502"


def new_line(number: str, area_code: str) -> NewLine:
    return NewLine(
        number=number,
        operator="telecom",
        network="phs",
        area_code=area_code,
        customer_ref=f"C-{number}",
        real_name=True,
        monthly_fee_fen=3000,
        prepaid=False,
    )


@pytest.fixture
def chaohu(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """Chaohu (0565): one line told by SMS on the announcement (2011-06-01); one activated on
    2011-08-01 and told by letter only on 2011-11-01; one activated on 2011-11-02, never told."""
    row = line_row(0, number=ON_TIME, area_code="0565")
    import_file(engine, write_csv(tmp_path / "chaohu.csv", [row]))
    set_plan(engine, "0565", announced=date(2011, 6, 1), switched_off=SWITCH_OFF)
    send_notice(engine, "0565", date(2011, 6, 1))
    with session_scope(engine, write=True) as session:
        operations.activate(
            session,
            ACTOR,
            new=new_line(LATE, "0565"),
            today=date(2011, 8, 1),
            now=noon(date(2011, 8, 1)),
        )
    send_notice(engine, "0565", date(2011, 11, 1), channel=Channel.LETTER)
    with session_scope(engine, write=True) as session:
        operations.activate(
            session,
            ACTOR,
            new=new_line(NEVER, "0565"),
            today=date(2011, 11, 2),
            now=noon(date(2011, 11, 2)),
        )
    return engine


def late_report(engine: sa.Engine) -> list[tuple[str, date | None, date | None]]:
    with session_scope(engine) as session:
        report = late_notice_report(session, area_code="0565", network_code="phs")
    assert report.count == len(report.lines)
    return [(n.number, n.first_notice, n.earliest_switch_off) for n in report.lines]


def test_a_notice_is_recorded_once_per_live_line_and_channel_and_counted(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [line_row(i, number=f"0565-22345{i:02d}", area_code="0565") for i in range(3)]
    import_file(engine, write_csv(tmp_path / "chaohu.csv", rows))

    told = send_notice(engine, "0565", date(2011, 6, 1))
    again = send_notice(engine, "0565", date(2011, 6, 2))
    by_letter = send_notice(engine, "0565", date(2011, 6, 3), channel=Channel.LETTER)

    assert (told, again, by_letter) == (3, 0, 3)
    assert rows_of(
        engine,
        "SELECT channel, sent_on, COUNT(*) FROM notices_sent GROUP BY channel,"
        " sent_on ORDER BY sent_on",
    ) == [("sms", "2011-06-01", 3), ("letter", "2011-06-03", 3)]


def test_lines_not_told_in_time_are_listed_with_the_day_they_may_go(chaohu: sa.Engine) -> None:
    assert late_report(chaohu) == [
        (LATE, date(2011, 11, 1), date(2012, 1, 30)),
        (NEVER, None, None),
    ]


def test_a_line_told_late_is_switched_off_90_days_after_its_notice_not_on_the_plans_date(
    chaohu: sa.Engine,
) -> None:
    run(chaohu, until=date(2012, 1, 20))
    assert line_of(chaohu, ON_TIME)["terminated_on"] == "2012-01-10"
    assert line_of(chaohu, LATE)["status"] == "active"

    run(chaohu, until=date(2012, 2, 29))  # the cycle itself finds the day its notice ran out

    late = line_of(chaohu, LATE)
    assert (late["status"], late["terminated_on"]) == ("terminated", "2012-01-30")


def test_a_line_never_told_is_not_switched_off_and_stays_in_the_report(chaohu: sa.Engine) -> None:
    run(chaohu, until=date(2012, 4, 30))

    assert line_of(chaohu, NEVER)["status"] == "active"
    assert late_report(chaohu) == [(NEVER, None, None)]


# --- reruns --------------------------------------------------------------------------------


def test_running_the_cycle_twice_to_the_same_day_changes_nothing_the_second_time(
    hefei: sa.Engine,
) -> None:
    run(hefei, until=date(2012, 4, 30))
    first = state_of(hefei)

    again = run(hefei, until=date(2012, 4, 30))

    assert state_of(hefei) == first
    assert again.days_committed == 0


def test_running_to_a_day_then_on_gives_the_state_of_one_run(
    hefei: sa.Engine, twin: sa.Engine, tmp_path: Path
) -> None:
    build_hefei(twin, tmp_path)
    stops = [
        date(2011, 9, 15),  # mid-month
        date(2011, 9, 30),  # a month-end: the suspension decision
        date(2012, 1, 9),  # the eve of the switch-off
        SWITCH_OFF,
        date(2012, 2, 1),  # the day the exemption is still running
        QUARANTINE_END,
    ]
    for stop in stops:
        run(hefei, until=stop)
    run(hefei, until=date(2012, 4, 30))

    run(twin, until=date(2012, 4, 30))

    assert state_of(hefei) == state_of(twin)


def set_degradation(engine: sa.Engine, day: date) -> PlanView:
    """Set Hefei's step degradation through the service, as the programme office on 2011-11-01."""
    with session_scope(engine, write=True) as session:
        return plans_service.set_plan(
            session,
            area_code="0551",
            network_code="phs",
            changes={},
            today=date(2011, 11, 1),
            now=datetime(2011, 11, 1, 9),
            actor="programme office",
            degrade_on=day,
        )


def test_step_degradation_bars_outgoing_calls_on_its_day_and_not_before(
    hefei: sa.Engine,
) -> None:
    view = set_degradation(hefei, date(2011, 12, 10))
    assert view.degrade_on == date(2011, 12, 10)

    report = run(hefei, until=date(2011, 12, 9))
    assert scalar_of(hefei, "SELECT COUNT(*) FROM lines WHERE barred_outgoing") == 0

    report = run(hefei, until=date(2011, 12, 10))
    live = scalar_of(hefei, "SELECT COUNT(*) FROM lines WHERE status IN ('active', 'suspended')")
    assert scalar_of(hefei, "SELECT COUNT(*) FROM lines WHERE barred_outgoing") == live > 0
    assert report.at(date(2011, 12, 10), "0551").barred == live


def test_degradation_after_the_switch_off_is_refused_naming_both_dates(hefei: sa.Engine) -> None:
    with pytest.raises(PlanInvalidError) as refused:
        set_degradation(hefei, date(2012, 2, 1))
    assert "degradation on 2012-02-01 must come before the switch-off on 2012-01-10" in str(
        refused.value
    )
