"""Complaints: deadlines by kind, overdue ones, a charged-without-service complaint checked
against the site history and credited when true, resolutions with a credit, the report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import RunCli
from tests.factories import (
    ACTOR,
    entries_of,
    import_file,
    import_sites_rows,
    line_row,
    noon,
    record_site_status,
    site_row,
    violations_of,
    write_csv,
)

from sunset.care import service
from sunset.care.schemas import ComplaintView
from sunset.care.vocabulary import ComplaintKind
from sunset.cycle.daily import run_cycle
from sunset.db import session_scope
from sunset.errors import OperationRefusedError
from sunset.usecases import care as care_uc

OUT = "0551-62000000"  # 70 yuan, home site S0551-0 (off air from July)
FINE = "0551-62000001"  # 70 yuan, home site S0551-1 (on air)


@pytest.fixture
def base(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    rows = [
        line_row(0, monthly_fee="70", balance="0", prepaid="false", home_site="S0551-0"),
        line_row(1, monthly_fee="70", balance="0", prepaid="false", home_site="S0551-1"),
    ]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    import_sites_rows(engine, tmp_path, [site_row(0), site_row(1)])
    return engine


def open_one(engine: sa.Engine, number: str, kind: str, today: date) -> ComplaintView:
    with session_scope(engine, write=True) as session:
        return care_uc.open_complaint(
            session,
            ACTOR,
            number=number,
            kind=ComplaintKind(kind),
            text="只收钱不服务",
            today=today,
            now=noon(today),
        )


def test_a_true_charged_without_service_complaint_is_credited_and_resolved_at_once(
    base: sa.Engine,
) -> None:
    run_cycle(base, until=date(2011, 12, 31), start=date(2011, 1, 1))
    with session_scope(base, write=True) as session:  # recorded without crediting (as in 2011)
        from sunset.sites import history, repository

        site = repository.get(session, "S0551-0")
        assert site is not None
        repository.save_change(
            session, site, history.Change(date(2011, 7, 1), "off_air"), recorded_on=date(2011, 7, 1)
        )
        repository.replace_outages(
            session, site, history.outages(repository.history(session, site))
        )

    found = open_one(base, OUT, "charged_without_service", date(2012, 1, 5))

    assert (found.status, found.credit) == ("resolved", "420.00")
    assert "S0551-0" in (found.resolution or "")
    assert sum(a for _, a in entries_of(base, OUT, "credit")) == 42000
    assert violations_of(base) == []


def test_a_charged_without_service_complaint_without_outage_goes_to_an_agent(
    base: sa.Engine,
) -> None:
    run_cycle(base, until=date(2011, 3, 31), start=date(2011, 1, 1))

    found = open_one(base, FINE, "charged_without_service", date(2011, 4, 2))

    assert (found.status, found.credit) == ("investigating", "0.00")
    assert entries_of(base, FINE, "credit") == []


def test_each_kind_has_its_deadline_and_a_late_one_is_overdue(base: sa.Engine) -> None:
    signal = open_one(base, OUT, "no_signal", date(2011, 7, 30))
    other = open_one(base, FINE, "other", date(2011, 7, 30))
    assert (signal.due_on, other.due_on) == (date(2011, 8, 2), date(2011, 8, 14))

    with session_scope(base) as session:
        late = service.overdue(session, today=date(2011, 8, 3))
    assert [c.id for c in late] == [signal.id]
    assert late[0].overdue


def test_a_resolution_may_credit_the_line_once_and_a_closed_complaint_stays_closed(
    base: sa.Engine,
) -> None:
    opened = open_one(base, OUT, "topup_refused", date(2011, 7, 30))
    record_site_status(base, "S0551-1", "on_air", date(2011, 7, 30))
    with session_scope(base, write=True) as session:
        done = service.move(
            session,
            complaint_id=opened.id,
            status="resolved",
            today=date(2011, 7, 31),
            note="goodwill",
            credit_fen=1000,
        )
    assert (done.status, done.credit, done.closed_on) == ("resolved", "10.00", date(2011, 7, 31))
    with pytest.raises(OperationRefusedError), session_scope(base, write=True) as session:
        service.move(session, complaint_id=opened.id, status="rejected", today=date(2011, 8, 1))
    assert entries_of(base, OUT, "credit") == [("2011-07-31", 1000)]


def test_complaint_commands_answer_in_json_and_report_by_kind_region_month(
    base: sa.Engine, cli: RunCli
) -> None:
    opened = cli(
        "complaint",
        "open",
        OUT,
        "--kind",
        "no_signal",
        "--text",
        "没信号",
        "--today",
        "2011-07-30",
        "--json",
    )
    assert opened.exit_code == 0, opened
    assert opened.json()["status"] == "open"
    bad = cli("complaint", "open", OUT, "--kind", "rude", "--text", "x", "--json")
    assert bad.exit_code == 2
    moved = cli("complaint", "investigate", str(opened.json()["id"]), "--today", "2011-07-31")
    assert moved.exit_code == 0, moved
    report = cli("complaint", "report", "--json")
    assert report.json() == [
        {
            "month": "2011-07",
            "area_code": "0551",
            "kind": "no_signal",
            "complaints": 1,
            "pending": 1,
        }
    ]
    overdue = cli("complaint", "overdue", "--today", "2011-08-10", "--json")
    assert [c["id"] for c in overdue.json()] == [opened.json()["id"]]
