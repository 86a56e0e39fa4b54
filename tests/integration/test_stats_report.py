"""`sunset report`: the files of a month's report open, and each holds what it should."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from tests.factories import ACTOR, import_file, line_row, noon, write_csv
from tests.integration.test_stats import two_regions

from sunset.care.vocabulary import ComplaintKind
from sunset.cycle.daily import run_cycle
from sunset.db import session_scope
from sunset.errors import InputInvalidError
from sunset.stats.report import write_report
from sunset.usecases.care import open_complaint
from sunset.usecases.operations import MigrationRequest, migrate

CHARTS = ("remaining_by_region", "departures", "own_forecast", "national_forecast")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def report(engine: sa.Engine, tmp_path: Path) -> Path:
    two_regions(engine, tmp_path)
    run_cycle(engine, until=date(2012, 3, 31), start=date(2011, 11, 1))
    with session_scope(engine) as session:
        write_report(session, month="2012-02", folder=tmp_path / "report")
    return tmp_path / "report"


def test_a_report_has_each_chart_as_png_and_svg_and_the_page_shows_them(report: Path) -> None:
    page = (report / "index.html").read_text(encoding="utf-8")

    for chart in CHARTS:
        assert (report / f"{chart}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = ElementTree.parse(report / f"{chart}.svg").getroot()
        assert svg.tag == f"{SVG}svg"
        assert f'<img src="{chart}.png"' in page
        assert f'<a href="{chart}.svg">' in page
    labels = ElementTree.parse(report / "national_forecast.svg").getroot().itertext()
    assert any("剩余用户" in text for text in labels)  # Chinese labels kept as text


def test_a_report_stops_at_its_month_and_its_tables_open_as_csv(report: Path) -> None:
    with (report / "progress.csv").open(encoding="utf-8") as handle:
        progress = list(csv.DictReader(handle))
    with (report / "departures.csv").open(encoding="utf-8") as handle:
        departures = {row["month"]: row for row in csv.DictReader(handle)}
    with (report / "national_forecast.csv").open(encoding="utf-8") as handle:
        national = list(csv.DictReader(handle))

    assert {row["month"] for row in progress} == {"2011-11", "2011-12", "2012-01", "2012-02"}
    assert departures["2012-01"]["switched_off"] == "4"  # Hefei's switch-off
    assert departures["2012-01"]["terminated"] == "0"  # no customer closed a line
    assert departures["2012-01"]["refunds"] == "4"
    assert list(national[0]) == ["month", "expected", "lo80", "hi80", "lo95", "hi95"]
    assert national[0]["month"] == "2012-03"
    page = (report / "index.html").read_text(encoding="utf-8")
    assert "all, 2012-02: down 4 to 2 phs lines since 2011-12" in page
    assert "<th>18 months</th>" in page and "floor_decay" in page  # each model's backtest
    assert "the 80 % interval held" in page  # the coverage the national backtest showed


def test_a_report_refuses_a_month_that_is_not_one(engine: sa.Engine, tmp_path: Path) -> None:
    with pytest.raises(InputInvalidError), session_scope(engine) as session:
        write_report(session, month="2012-2", folder=tmp_path / "x")


def test_a_report_shows_where_migrated_lines_went(engine: sa.Engine, tmp_path: Path) -> None:
    row = line_row(0, number="010-61000000", area_code="010", operator="unicom", customer_id="B0")
    import_file(engine, write_csv(tmp_path / "bj.csv", [row]))
    request = MigrationRequest(
        number="010-61000000",
        offer_id="beijing-unicom-upgrade",
        key="m-1",
        plan_yuan="66",
        new_number="186 0100 0000",
    )
    with session_scope(engine, write=True) as session:
        migrate(
            session, ACTOR, request=request, today=date(2012, 1, 15), now=noon(date(2012, 1, 15))
        )
    run_cycle(engine, until=date(2012, 2, 29), start=date(2012, 1, 1))
    with session_scope(engine) as session:
        write_report(session, month="2012-02", folder=tmp_path / "report")
    with (tmp_path / "report" / "moves_by_target.csv").open(encoding="utf-8") as handle:
        moves = list(csv.DictReader(handle))
    assert moves == [
        {
            "month": "2012-01",
            "how": "migration",
            "target": "unicom/wcdma",
            "lines": "1",
            "number_kept": "0",  # a new 186 number; the old one rings on it for a while
            "network": "phs",
        }
    ]
    assert (tmp_path / "report" / "moves_by_target.svg").exists()
    assert "Where they went" in (tmp_path / "report" / "index.html").read_text(encoding="utf-8")


def test_a_report_counts_the_complaints_of_its_months(engine: sa.Engine, tmp_path: Path) -> None:
    two_regions(engine, tmp_path)
    with session_scope(engine, write=True) as session:
        for day, kind in ((date(2012, 1, 5), "no_signal"), (date(2012, 2, 3), "topup_refused")):
            open_complaint(
                session,
                ACTOR,
                number="0311-86000000",
                kind=ComplaintKind(kind),
                text="没有信号了",
                today=day,
                now=noon(day),
            )
        open_complaint(
            session,
            ACTOR,
            number="0311-86000000",
            kind=ComplaintKind.OTHER,
            text="later",
            today=date(2012, 3, 2),
            now=noon(date(2012, 3, 2)),
        )
    with session_scope(engine) as session:
        write_report(session, month="2012-02", folder=tmp_path / "report")
    with (tmp_path / "report" / "complaints.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["month"], r["kind"], r["complaints"]) for r in rows] == [
        ("2012-01", "no_signal", "1"),
        ("2012-02", "topup_refused", "1"),
    ]
    assert (tmp_path / "report" / "complaints.png").read_bytes()[:4] == b"\x89PNG"
