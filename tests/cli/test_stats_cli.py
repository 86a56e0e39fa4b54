"""`sunset stats`, `sunset stats import` and `sunset forecast` as a user runs them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from tests.factories import NOW, import_file, line_rows, site_row, write_csv

from sunset.cycle.daily import run_cycle
from sunset.db import make_engine, session_scope
from sunset.sites.jobs import import_sites

if TYPE_CHECKING:
    from tests.conftest import RunCli

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
POINT_KEYS = {"month", "expected", "lo80", "hi80", "lo95", "hi95"}


def said(output: str) -> str:
    return " ".join(output.split())


def hefei_with_month_ends(db_url: str, folder: Path) -> None:
    """Five Hefei lines and the cycle run over three month-ends (nothing leaves)."""
    engine = make_engine(db_url)
    try:
        import_file(engine, write_csv(folder / "lines.csv", line_rows(5)))
        run_cycle(engine, until=date(2011, 3, 31), start=date(2011, 1, 1))
    finally:
        engine.dispose()


def test_forecast_national_json_has_the_promised_shape(cli: RunCli, tmp_path: Path) -> None:
    result = cli("forecast", "--national", "--horizon", "6", "--json", "--plot", "fan.png")

    assert result.exit_code == 0, result
    body = result.json()
    assert {"unit", "points", "threshold_month", "p_clear_by_deadline"} <= set(body)
    assert body["unit"] == "10k subscribers"
    assert [p["month"] for p in body["points"]] == [f"2012-{m:02d}" for m in range(3, 9)]
    assert all(set(p) == POINT_KEYS for p in body["points"])
    assert body["p_clear_by_deadline"] == 0.0
    assert body["model"] in {c["model"] for c in body["candidates"]}
    assert (tmp_path / "fan.png").read_bytes()[:4] == b"\x89PNG"


def test_forecast_national_24_months_json_adds_the_backtest_and_the_coverage_it_showed(
    cli: RunCli,
) -> None:
    result = cli("forecast", "--national", "--horizon", "24", "--json")

    assert result.exit_code == 0, result
    body = result.json()
    assert len(body["points"]) == 24 and all(set(p) == POINT_KEYS for p in body["points"])
    assert body["chosen_on"] == list(range(12, 25))
    assert [e["months_ahead"] for e in body["backtest_errors"]] == list(range(1, 25))
    by_model = {c["model"]: c["errors"] for c in body["candidates"]}
    assert {"floor_decay", "hazard_aging", "ets_damped", "log_drift"} <= set(by_model)
    assert all(e["mape"] is not None for e in by_model[body["model"]][:18])
    cover = body["coverage"]
    assert cover["calibrated"] and 0 < cover["held80"] <= cover["held95"] <= 1
    assert set(body["clearance"]) == {"expected", "earliest80", "latest80"}
    assert body["hard_core"]["model"] == "floor_decay"


def test_forecast_national_prints_the_coverage_next_to_each_interval(cli: RunCli) -> None:
    shown = cli("forecast", "--national", "--horizon", "12")
    body = cli("forecast", "--national", "--horizon", "12", "--json")

    assert shown.exit_code == 0, shown
    cover = body.json()["coverage"]
    assert f"80 % (held {100 * cover['held80']:.0f} %)" in shown.stdout
    assert f"95 % (held {100 * cover['held95']:.0f} %)" in shown.stdout
    assert "floor_decay" in shown.stdout and "18 m" in shown.stdout


@SQLITE_ONLY
def test_stats_import_of_a_bad_file_exits_2_naming_row_and_field(
    cli: RunCli, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("month_end,subscribers_10k,quoted,source\n2012-03,many,Q,x\n")

    result = cli("stats", "import", str(bad))

    assert result.exit_code == 2, result
    assert "row 2, subscribers_10k 'many': not a number" in said(result.stderr)


@SQLITE_ONLY
def test_stats_import_then_national_stats_shows_the_new_series(cli: RunCli, tmp_path: Path) -> None:
    mine = tmp_path / "mine.csv"
    mine.write_text(
        "month_end,subscribers_10k,quoted,source\n2011-12,1787.1,Q,a\n2012-02,1634.1,Q,b\n"
    )

    imported = cli("stats", "import", str(mine), "--json")
    shown = cli("stats", "--national", "--json")
    again = cli("stats", "import", "--shipped")

    assert imported.json()["points"] == 2, imported
    assert shown.json()["headlines"] == [
        "national, 2012-02: down 153 to 1,634.1 10k subscribers since 2011-12"
    ]
    assert "Imported 32 month(s) of phs:national" in said(again.stdout)


@SQLITE_ONLY
def test_stats_shows_each_month_end_and_forecast_region_uses_them(
    cli: RunCli, db_url: str, tmp_path: Path
) -> None:
    hefei_with_month_ends(db_url, tmp_path)

    table = cli("stats", "--by", "region", "--json")
    as_csv = cli("stats", "--csv", "--from", "2011-02")
    forecast = cli("forecast", "--region", "0551", "--horizon", "3", "--json")

    assert [(r["month"], r["remaining"]) for r in table.json()["rows"]] == [
        ("2011-01", 5),
        ("2011-02", 5),
        ("2011-03", 5),
    ], table
    assert as_csv.stdout.splitlines()[0].startswith("group,month,remaining,change_month")
    assert len(as_csv.stdout.splitlines()) == 3
    assert forecast.exit_code == 0, forecast
    assert forecast.json()["unit"] == "lines"
    assert len(forecast.json()["points"]) == 3
    assert forecast.json()["shape_from"] == "phs:national"  # three month-ends: too few


@SQLITE_ONLY
def test_forecast_all_regions_gives_each_region_the_forecast_of_its_own_command(
    cli: RunCli, db_url: str, tmp_path: Path
) -> None:
    hefei_with_month_ends(db_url, tmp_path)

    alone = cli("forecast", "--region", "0551", "--horizon", "3", "--json")
    every = cli("forecast", "--all-regions", "--horizon", "3", "--json")
    shown = cli("forecast", "--all-regions", "--horizon", "3")

    assert every.exit_code == 0, every
    assert every.json()["forecasts"] == {"0551": alone.json()}
    assert "0551" in shown.stdout and "1 regions, phs lines" in said(shown.stdout)


@SQLITE_ONLY
def test_a_dask_scheduler_that_does_not_answer_exits_3_naming_it_and_the_setting(
    cli: RunCli, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hefei_with_month_ends(db_url, tmp_path)
    monkeypatch.setenv("SUNSET_DASK_SCHEDULER", "tcp://127.0.0.1:9")  # discard: nobody listens
    monkeypatch.setenv("SUNSET_DASK_CONNECT_SECONDS", "1")

    result = cli("forecast", "--all-regions", "--horizon", "3")

    assert result.exit_code == 3, result
    assert "SCHEDULER_UNREACHABLE" in result.stderr
    assert "tcp://127.0.0.1:9" in said(result.stderr)
    assert "SUNSET_DASK_SCHEDULER" in said(result.stderr)
    assert "Traceback" not in result.stderr


@SQLITE_ONLY
def test_forecast_of_a_region_without_month_ends_exits_2_saying_what_to_run(
    cli: RunCli,
) -> None:
    result = cli("forecast", "--region", "0551")

    assert result.exit_code == 2, result
    assert "sunset run --until" in said(result.stderr)


@SQLITE_ONLY
def test_report_writes_the_page_tables_and_charts_and_lists_them(
    cli: RunCli, db_url: str, tmp_path: Path
) -> None:
    hefei_with_month_ends(db_url, tmp_path)

    result = cli("report", "--month", "2011-03", "--out", "out", "--json")

    assert result.exit_code == 0, result
    files = result.json()["files"]
    assert files[0] == "index.html"
    assert {"progress.csv", "national_forecast.png", "national_forecast.svg"} <= set(files)
    assert all((tmp_path / "out" / name).stat().st_size > 0 for name in files)


@SQLITE_ONLY
def test_simulate_compares_candidates_from_one_seed_and_says_what_it_fitted(
    cli: RunCli, db_url: str, tmp_path: Path
) -> None:
    hefei_with_month_ends(db_url, tmp_path)
    (tmp_path / "off.yaml").write_text(
        "plans:\n  - {area_code: '0551', network: phs, switched_off: 2011-06-30}\n"
    )
    (tmp_path / "none.csv").write_text("area_code,network,switched_off\n")
    args = ("simulate", "--plan", "off.yaml", "--plan", "none.csv", "--months", "6")

    first = cli(*args, "--today", "2011-04-30", "--json")
    again = cli(*args, "--today", "2011-04-30", "--json")

    assert first.exit_code == 0, first
    body = first.json()
    assert body == again.json()
    assert body["start_lines"] == 5
    assert body["months"] == ["2011-04", "2011-05", "2011-06", "2011-07", "2011-08", "2011-09"]
    off, none = body["plans"]
    assert (off["name"], none["name"]) == ("off", "none")
    assert off["clearance_month"] == "2011-06"
    assert off["left"]["switch_off"] + off["left"]["natural"] == 5
    assert none["left"]["switch_off"] == none["left"]["balance_ran_out"] == 0
    assert body["fitted_from"].startswith("phs:national")  # nobody left in Hefei's snapshots


@SQLITE_ONLY
def test_simulate_counts_the_lines_whose_base_station_is_off_air(
    cli: RunCli, db_url: str, tmp_path: Path
) -> None:
    hefei_with_month_ends(db_url, tmp_path)
    sites = write_csv(tmp_path / "sites.csv", [site_row(0, status="off_air")])
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            import_sites(session, path=sites, today=date(2011, 4, 1), now=NOW)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE lines SET home_site = 'S0551-0' WHERE id <= 2"))
    finally:
        engine.dispose()
    (tmp_path / "none.csv").write_text("area_code,network,switched_off\n")

    args = ("--plan", "none.csv", "--months", "3", "--today", "2011-04-30", "--json")
    result = cli("simulate", *args)

    assert result.exit_code == 0, result
    body = result.json()
    assert body["lines_without_service"] == 2
    only = body["plans"][0]
    assert only["left"]["no_service"] + only["complaints"] >= 2
