"""The regulator's count is of the network being retired, on SQLite and PostgreSQL: a line that
migrates to CDMA leaves PHS (one fewer) and joins CDMA (one more) in the month it moves; every
way of leaving is counted, with where the line went and whether its number went too; a month's
flows explain the change in remaining lines (also as a property over the demo's months)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from tests.factories import (
    ACTOR,
    import_file,
    line_row,
    noon,
    rows_of,
    send_notice,
    set_plan,
    write_csv,
)
from tests.integration.test_offers import custom_offers  # noqa: F401  (a fixture used here)
from tests.integration.test_porting import (
    T0,
    authorised,
    run,
    tianjin,  # noqa: F401  (a fixture used here)
    validate,
)

from sunset.access.rules import Actor
from sunset.access.vocabulary import Role
from sunset.cycle.daily import run_cycle
from sunset.db import alembic_config, make_engine, session_scope, upgrade
from sunset.errors import InputInvalidError, NotFoundError
from sunset.stats import service
from sunset.stats.report import write_report
from sunset.stats.rules import add_months
from sunset.stats.schemas import ProgressRow
from sunset.usecases import stats as desk_stats
from sunset.usecases.operations import MigrationRequest, migrate, terminate


class Tables(dict[tuple[str, str], dict[tuple[str, str], ProgressRow]]):
    """The demo's progress tables: (network, by) -> (group, month) -> row."""

    def __repr__(self) -> str:  # what hypothesis prints with a failing example
        return f"<the demo's progress tables: {sorted(self)}>"


REGULATOR = Actor(1, "regulator", Role.REGULATOR, None)
CQ = "023-6100000{}"  # Chongqing PHS lines since 2005: eligible for Chongqing Telecom's offer


def cq_rows(count: int) -> list[dict[str, str]]:
    return [
        line_row(20 + i, number=CQ.format(i), area_code="023", customer_id=f"CQ{i}")
        for i in range(count)
    ]


def move(
    engine: sa.Engine,
    number: str,
    offer: str,
    day: date,
    *,
    plan: str = "35",
    new: str | None = None,
) -> None:
    request = MigrationRequest(
        number=number, offer_id=offer, key=f"m-{number}", plan_yuan=plan, new_number=new
    )
    with session_scope(engine, write=True) as session:
        migrate(session, ACTOR, request=request, today=day, now=noon(day))


@pytest.fixture
def march(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """Three Chongqing and two Hefei PHS lines, month-ends from 2010-12; one Chongqing line
    migrated to CDMA (a new 189 number) on 2011-03-10; the cycle run to the end of April."""
    rows = cq_rows(3) + [line_row(i) for i in range(2)]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    run_cycle(engine, until=date(2011, 2, 28), start=date(2010, 12, 31))
    move(engine, CQ.format(0), "chongqing-2009-tianyi", date(2011, 3, 10), new="189 2300 0001")
    run_cycle(engine, until=date(2011, 4, 30))
    return engine


def by_month(report: service.ProgressReport) -> dict[str, service.ProgressRow]:
    return {r.month: r for r in report.rows if r.group == "all"}


def test_a_line_migrated_in_march_lowers_marchs_remaining_by_one_and_raises_cdmas(
    march: sa.Engine,
) -> None:
    with session_scope(march) as session:
        phs = service.progress(session)  # the network with retirement plans... or a deadline
        cdma = by_month(service.progress(session, network_code="cdma2000"))

    rows = by_month(phs)
    assert phs.network == "phs"
    assert [rows[m].remaining for m in ("2011-02", "2011-03", "2011-04")] == [5, 4, 4]
    assert (rows["2011-03"].change_month, rows["2011-03"].migrated) == (-1, 1)
    assert (rows["2011-04"].change_month, rows["2011-04"].migrated) == (0, 0)
    assert [cdma[m].remaining for m in ("2011-02", "2011-03", "2011-04")] == [0, 1, 1]
    assert (cdma["2011-03"].change_month, cdma["2011-03"].activated) == (1, 1)
    assert phs.headlines == ["all, 2011-04: down 1 to 4 phs lines since 2010-12"]


def test_the_regulators_report_of_march_counts_the_migrated_line_as_gone(
    march: sa.Engine, tmp_path: Path
) -> None:
    with session_scope(march) as session:
        write_report(session, month="2011-03", folder=tmp_path / "report")
        seen = desk_stats.report(session, REGULATOR, month="2011-03")

    def table(name: str) -> list[dict[str, str]]:
        with (tmp_path / "report" / name).open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    regions = {(r["group"], r["month"]): r for r in table("progress.csv")}
    assert (
        regions[("023", "2011-03")]["remaining"],
        regions[("023", "2011-03")]["change_month"],
    ) == (
        "2",
        "-1",
    )
    assert regions[("0551", "2011-03")]["change_month"] == "0"
    march_row = next(r for r in table("departures.csv") if r["month"] == "2011-03")
    assert (march_row["remaining"], march_row["migrated"]) == ("4", "1")
    networks = {r["group"]: (r["remaining"], r["change_month"]) for r in table("networks.csv")}
    assert networks == {"phs": ("4", "-1"), "cdma2000": ("1", "1")}
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "all, 2011-03: down 1 to 4 phs lines since 2010-12" in page
    assert "Retirement of phs" in page
    assert seen.network == "phs" and seen.total.headlines == [
        "all, 2011-03: down 1 to 4 phs lines since 2010-12"
    ]
    assert [(m.month, m.target, m.lines, m.number_kept) for m in seen.moves] == [
        ("2011-03", "telecom/cdma2000", 1, 0)
    ]


def every_way_out(engine: sa.Engine, folder: Path) -> sa.Engine:
    """In April 2011: a Chongqing line migrates with its number (the keep-it offer of the
    offers' tests), another with a new one, a third is closed at its customer's request;
    Hefei's two lines go at the switch-off. Tianjin's GSM line (the porting tests') ports to
    Unicom WCDMA on 2011-03-01."""
    import_file(
        engine, write_csv(folder / "lines.csv", cq_rows(4) + [line_row(i) for i in range(2)])
    )
    set_plan(engine, "0551", announced=date(2011, 1, 1), switched_off=date(2011, 4, 10))
    send_notice(engine, "0551", date(2011, 1, 1))
    run_cycle(engine, until=date(2011, 2, 28), start=date(2010, 12, 31))
    authorised(engine)
    validate(engine, T0.replace(minute=30))
    run(engine, datetime(2011, 3, 1, 20, 0))
    run_cycle(engine, until=date(2011, 3, 31))
    move(engine, CQ.format(0), "keep-it", date(2011, 4, 5), plan="30")  # its number kept
    move(engine, CQ.format(1), "chongqing-2009-tianyi", date(2011, 4, 6), new="189 2300 0001")
    with session_scope(engine, write=True) as session:
        terminate(
            session,
            ACTOR,
            number=CQ.format(2),
            today=date(2011, 4, 7),
            key="close-1",
            now=noon(date(2011, 4, 7)),
        )
    run_cycle(engine, until=date(2011, 4, 30))
    return engine


@pytest.mark.usefixtures("tianjin", "custom_offers")  # the GSM line, keep-it
def test_the_departures_say_how_each_line_left_where_it_went_and_with_which_number(
    engine: sa.Engine, tmp_path: Path
) -> None:
    every_way_out(engine, tmp_path)
    with session_scope(engine) as session:
        phs = service.destinations(session)
        gsm = service.destinations(session, network_code="gsm")
        april = by_month(service.progress(session))["2011-04"]
        unicom = service.destinations(session, operator_code="unicom")

    assert (phs.network, phs.last_month) == ("phs", "2011-04")
    assert [
        (r.how, r.to_operator, r.to_network, r.number_kept, r.last_month) for r in phs.rows
    ] == [
        ("migrated", "telecom", "cdma2000", False, 1),
        ("migrated", "telecom", "cdma2000", True, 1),
        ("switched_off", None, None, False, 2),
        ("terminated", None, None, False, 1),
    ]
    assert [(r.how, r.to_operator, r.to_network, r.number_kept, r.lines) for r in gsm.rows] == [
        ("ported_out", "unicom", "wcdma", True, 1)
    ]
    assert gsm.rows[0].last_month == 0  # it left in March
    assert (april.terminated, april.switched_off, april.migrated, april.ported_out) == (1, 2, 2, 0)
    assert april.change_month == -5 and april.remaining == 1
    assert unicom.rows == []  # the staff of an operator see the lines it lost


@pytest.mark.usefixtures("tianjin", "custom_offers")  # the GSM line, keep-it
def test_the_target_networks_grow_beside_the_decline(engine: sa.Engine, tmp_path: Path) -> None:
    every_way_out(engine, tmp_path)
    with session_scope(engine) as session:
        side_by_side = service.progress(session, by="network", first="2011-04", last="2011-04")

    rows = {r.group: (r.remaining, r.change_month, r.activated) for r in side_by_side.rows}
    assert rows == {"phs": (1, -5, 0), "cdma2000": (2, 2, 2), "gsm": (0, 0, 0)}
    assert side_by_side.network is None  # the groups are the networks


def test_with_two_networks_being_retired_the_figures_must_say_which(
    march: sa.Engine,
) -> None:
    set_plan(march, "0551", announced=date(2011, 6, 1))
    set_plan(march, "023", network="cdma2000", announced=date(2011, 6, 1))
    with session_scope(march) as session:
        with pytest.raises(InputInvalidError, match=r"several networks .*\(cdma2000, phs\)"):
            service.progress(session)
        with pytest.raises(NotFoundError, match="no network 'pstn'"):
            service.progress(session, network_code="pstn")
        assert service.progress(session, network_code="phs").network == "phs"
        page = desk_stats.destinations(session, REGULATOR, network="phs")
    assert [(r.how, r.to_network) for r in page.rows] == [("migrated", "cdma2000")]


def test_before_any_plan_the_network_with_the_regulators_deadline_is_counted(
    march: sa.Engine,
) -> None:
    with session_scope(march) as session:  # no plan set: phs has the regulator's deadline
        assert (service.retiring_networks(session), service.network_of(session)) == (["phs"], "phs")
    set_plan(march, "023", network="cdma2000", announced=date(2011, 6, 1))
    with session_scope(march) as session:  # a plan says which network is being retired
        assert service.retiring_networks(session) == ["cdma2000"]
        assert service.progress(session).network == "cdma2000"


def test_on_sqlite_the_month_end_reads_only_the_lines_that_left_for_the_departures(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """Grouped after its joins, the departures' statement let SQLite read every line of the
    local network through the index by network and operator (for its order); it names the
    partial index of departed lines. PostgreSQL plans by its statistics."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses by its statistics")
    import_file(engine, write_csv(tmp_path / "lines.csv", [line_row(i) for i in range(3)]))
    plans: list[str] = []

    def explain(_conn: object, cursor: Any, statement: str, parameters: Any, *_: object) -> None:
        if statement.startswith("INSERT INTO stats_departures"):
            found = cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans.append(next(row[3] for row in found))

    event.listen(engine, "before_cursor_execute", explain)
    try:
        run_cycle(engine, until=date(2011, 1, 31), start=date(2011, 1, 1))
    finally:
        event.remove(engine, "before_cursor_execute", explain)
    assert plans == [
        "SEARCH lines USING INDEX ix_lines_departed (area_code=? AND terminated_on>? AND"
        " terminated_on<?)"
    ]


# --- migration 0016 ------------------------------------------------------------------------------

RECORDED = {
    "flows": "SELECT * FROM stats_flows ORDER BY area_code, month, operator_code, network_code",
    "departures": "SELECT * FROM stats_departures ORDER BY area_code, month, operator_code,"
    " network_code, how, to_operator, to_network, number_kept",
}
OLD_FLOWS = (
    "SELECT area_code, month, network_code, terminated, migrated, ported_out"
    " FROM stats_flows ORDER BY area_code, month, network_code"
)


@pytest.mark.usefixtures("tianjin", "custom_offers")  # the GSM line, keep-it
def test_migration_0016_fills_a_database_recorded_before_it_as_a_rerun_would(
    engine: sa.Engine, tmp_path: Path
) -> None:
    every_way_out(engine, tmp_path)
    recorded = {name: rows_of(engine, sql) for name, sql in RECORDED.items()}

    command.downgrade(alembic_config(engine), "0013")  # as the month-ends before 0016 left it

    old = rows_of(engine, OLD_FLOWS)
    assert ("0551", "2011-04", "phs", 2, 0, 0) in old  # a switch-off was a termination
    assert ("023", "2011-04", "phs", 1, 2, 0) in old
    assert not [r for r in old if r[2] == "cdma2000"]  # no row for lines that only joined
    upgrade(engine)
    assert {name: rows_of(engine, sql) for name, sql in RECORDED.items()} == recorded


# --- the demo: the flows of every month explain the change ------------------------------------


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A small demo (8,000 lines: enough for the offers to migrate a few a month), built once."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder}/demo.db"
    env = {**os.environ, "SUNSET_DATABASE_URL": url, "NO_COLOR": "1"}
    subprocess.run(
        [sys.executable, "-m", "sunset", "demo", "--lines", "8000", "--seed", "3"],
        env=env,
        cwd=folder,
        capture_output=True,
        check=True,
        timeout=600,
    )
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_tables(demo: sa.Engine) -> Tables:
    """Progress of every network in the demo, in total and by region: (network, by) -> rows."""
    tables: Tables = {}
    with session_scope(demo) as session:
        networks = [r.group for r in service.progress(session, by="network").rows]
        for network in sorted(set(networks)):
            for by in ("all", "region"):
                found = service.progress(session, by=by, network_code=network)
                tables[(network, by)] = {(r.group, r.month): r for r in found.rows}
    # The property means something only if the demo's lines leave in more than one way.
    phs = tables[("phs", "all")].values()
    assert len({network for network, _ in tables}) > 1, "no line migrated to another network"
    assert sum(r.migrated or 0 for r in phs) and sum(r.switched_off or 0 for r in phs)
    return tables


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_flows_of_a_month_equal_the_fall_in_remaining(
    demo_tables: Tables, data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(demo_tables)), label="network, by")
    rows = demo_tables[key]
    group, month = data.draw(st.sampled_from(sorted(rows)), label="group, month")
    before = rows.get((group, add_months(month, -1)))
    if before is None:  # the first month-end recorded: nothing to compare with
        return
    row = rows[(group, month)]
    left = (row.terminated or 0) + (row.migrated or 0) + (row.ported_out or 0)
    left += row.switched_off or 0
    assert before.remaining - row.remaining == left - (row.activated or 0)
