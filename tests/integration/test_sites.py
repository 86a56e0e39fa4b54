"""Base stations: the band cleared in `sunset status`, the switch-off plan, a site's impact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import RunCli
from tests.factories import (
    ACTOR,
    import_file,
    import_sites_rows,
    line_row,
    record_site_status,
    site_row,
    write_csv,
)

from sunset.db import session_scope
from sunset.errors import InputInvalidError, NotFoundError
from sunset.sites import service
from sunset.status.service import status_report
from sunset.usecases import sites as sites_uc


@pytest.fixture
def region(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    rows = [
        line_row(0, home_site="S0551-0", vulnerable="telecare"),
        line_row(1, home_site="S0551-0"),
        line_row(2, home_site="S0551-1"),
    ]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    sites = [site_row(0), site_row(1, monthly_upkeep="900"), site_row(2, monthly_upkeep="500")]
    import_sites_rows(engine, tmp_path, sites)
    return engine


def bands_of(engine: sa.Engine, today: date) -> list[tuple[str, int, bool]]:
    with session_scope(engine) as session:
        report = status_report(session, today=today)
    return [(b.area_code, b.on_air, b.cleared) for b in report.bands]


def test_the_band_is_cleared_only_once_the_last_site_is_off_air(region: sa.Engine) -> None:
    record_site_status(region, "S0551-0", "off_air", date(2012, 1, 10))
    record_site_status(region, "S0551-1", "dismantled", date(2012, 1, 10))
    assert bands_of(region, date(2012, 1, 31)) == [("0551", 1, False)]

    record_site_status(region, "S0551-2", "faulty", date(2012, 2, 1))
    assert bands_of(region, date(2012, 2, 1)) == [("0551", 1, False)]  # faulty still holds it

    record_site_status(region, "S0551-2", "off_air", date(2012, 3, 1))
    assert bands_of(region, date(2012, 2, 28)) == [("0551", 1, False)]
    assert bands_of(region, date(2012, 3, 1)) == [("0551", 0, True)]


def test_the_plan_ranks_the_idle_site_first_then_upkeep_per_line(region: sa.Engine) -> None:
    with session_scope(region) as session:
        found = service.plan(session, area_code="0551", budget_fen=100_00)

    assert [(s.site_id, s.live_lines, s.within_budget) for s in found.sites] == [
        ("S0551-2", 0, True),
        ("S0551-1", 1, True),
        ("S0551-0", 2, False),
    ]
    assert found.monthly_saving == ["500.00", "1400.00"]


def test_impact_lists_the_lines_losing_service_with_vulnerable_flags(region: sa.Engine) -> None:
    with session_scope(region) as session:
        found = sites_uc.impact(session, ACTOR, site_id="S0551-0", today=date(2011, 1, 5))

    assert (found.live_lines, found.vulnerable_lines) == (2, 1)
    assert [line.vulnerable for line in found.lines] == ["telecare", "none"]


def test_a_status_for_an_unknown_site_or_in_the_future_is_refused(region: sa.Engine) -> None:
    with pytest.raises(NotFoundError), session_scope(region) as session:
        service.record_status(
            session,
            site_id="nope",
            status="off_air",
            since=date(2011, 1, 1),
            today=date(2011, 2, 1),
        )
    with pytest.raises(InputInvalidError), session_scope(region) as session:
        service.record_status(
            session,
            site_id="S0551-0",
            status="off_air",
            since=date(2011, 3, 1),
            today=date(2011, 2, 1),
        )


def test_sites_commands_answer_in_json(region: sa.Engine, cli: RunCli) -> None:
    done = cli(
        "sites",
        "status",
        "S0551-0",
        "off_air",
        "--since",
        "2011-02-01",
        "--today",
        "2011-02-02",
        "--json",
    )
    assert done.exit_code == 0, done
    assert done.json()["current_status"] == "off_air"

    plan = cli("sites", "plan", "--region", "0551", "--budget", "100", "--json")
    assert plan.exit_code == 0, plan
    assert [s["site_id"] for s in plan.json()["sites"]] == ["S0551-2", "S0551-1"]

    impact = cli("sites", "impact", "S0551-1", "--today", "2011-02-02", "--json")
    assert impact.json()["live_lines"] == 1

    status = cli("status", "--json", "--today", "2011-02-02")
    assert status.json()["bands"] == [
        {"area_code": "0551", "network": "phs", "sites": 3, "on_air": 2, "cleared": False}
    ]
    unknown = cli("sites", "status", "nope", "off_air", "--since", "2011-02-01", "--json")
    assert unknown.exit_code == 2
