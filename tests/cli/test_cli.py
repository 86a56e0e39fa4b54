"""The `sunset` command line as a user runs it: exit statuses, printed errors, JSON."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
import typer
from tests.factories import import_file, line_row, line_rows, read_errors_csv, write_csv
from typer.testing import CliRunner

from sunset.cli.main import app
from sunset.db import make_engine

if TYPE_CHECKING:
    from tests.conftest import RunCli

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
TODAY = ("--today", "2010-12-31")


def lines_total(db_url: str, where: str = "true") -> int:
    """Count the lines in the database behind the CLI (without another subprocess)."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            sql = f"SELECT COUNT(*) FROM lines WHERE {where}"
            return int(conn.exec_driver_sql(sql).scalar_one())
    finally:
        engine.dispose()


def said(output: str) -> str:
    """The text of the output with line wrapping undone (the console wraps long messages)."""
    return " ".join(output.split())


def import_directly(db_url: str, path: Path) -> None:
    """Import a lines file through the service (setting up a test, not testing the CLI)."""
    engine = make_engine(db_url)
    try:
        import_file(engine, path)
    finally:
        engine.dispose()


def bad_file(tmp_path: Path) -> Path:
    rows = [line_row(0), line_row(1, number="0551-6234"), line_row(2, status="terminated")]
    return write_csv(tmp_path / "bad.csv", rows)


def test_import_of_a_bad_file_exits_2_names_each_bad_row_and_imports_nothing(
    cli: RunCli, tmp_path: Path
) -> None:
    result = cli("import", "lines", str(bad_file(tmp_path)), *TODAY)

    assert result.exit_code == 2, result
    assert "IMPORT_REJECTED" in said(result.stderr)
    assert "nothing was imported" in said(result.stderr)
    assert re.search(r"3\s+│\s+number\s+│\s+0551-6234\s+│\s+number: wrong length", result.stderr)
    assert re.search(r"4\s+│\s+status\s+│\s+terminated\s+│\s+status must be one of", result.stderr)
    status = cli("status", "--json")
    assert status.exit_code == 0, status
    assert status.json()["lines"]["total"] == 0


@SQLITE_ONLY
def test_errors_option_writes_every_bad_row_as_csv(cli: RunCli, tmp_path: Path) -> None:
    errors = tmp_path / "errors.csv"
    result = cli("import", "lines", str(bad_file(tmp_path)), "--errors", str(errors), *TODAY)

    assert result.exit_code == 2, result
    assert errors.read_text(encoding="utf-8").splitlines()[0] == "row,column,value,reason"
    assert [(e["row"], e["column"], e["value"]) for e in read_errors_csv(errors)] == [
        ("3", "number", "0551-6234"),
        ("4", "status", "terminated"),
    ]


@SQLITE_ONLY
def test_skip_invalid_imports_the_good_rows_and_says_how_many_were_rejected(
    cli: RunCli, tmp_path: Path, db_url: str
) -> None:
    errors = tmp_path / "errors.csv"
    result = cli(
        "import",
        "lines",
        str(bad_file(tmp_path)),
        "--skip-invalid",
        "--errors",
        str(errors),
        *TODAY,
    )

    assert result.exit_code == 0, result
    assert "Imported 1 lines" in result.stdout
    assert "2 row(s) rejected" in result.stdout
    assert len(read_errors_csv(errors)) == 2
    assert lines_total(db_url) == 1


def test_good_file_imports_and_status_reports_lines_and_money_in_yuan(
    cli: RunCli, tmp_path: Path
) -> None:
    rows = [line_row(0, balance="100.45"), line_row(1, balance="23"), line_row(2, balance="0")]
    result = cli("import", "lines", str(write_csv(tmp_path / "good.csv", rows)), *TODAY)

    assert result.exit_code == 0, result
    assert "Imported 3 lines" in result.stdout
    report = cli("status", "--json").json()
    assert report["lines"]["total"] == 3
    assert report["lines"]["by_local_network"] == {"0551": 3}
    assert report["money"]["balances"] == "123.45"
    assert report["money"]["opening_balances"] == "123.45"


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_an_import_on_postgresql_leaves_the_planner_statistics_of_what_it_loaded(
    cli: RunCli, tmp_path: Path, db_url: str
) -> None:
    # Without them the status report reads every line until autovacuum comes by (20M lines:
    # 5.8 s instead of 2.5 s).
    result = cli("import", "lines", str(write_csv(tmp_path / "good.csv", line_rows(3))), *TODAY)

    assert result.exit_code == 0, result
    engine = make_engine(db_url, migrate=False)
    with engine.connect() as conn:
        vacuumed = conn.exec_driver_sql(
            "SELECT relname, last_vacuum IS NOT NULL AND last_analyze IS NOT NULL"
            " FROM pg_stat_user_tables"
            " WHERE relname IN ('lines', 'customers') OR relname LIKE 'ledger_entries_%%'"
            " ORDER BY relname"
        ).all()
    engine.dispose()
    # The ledger is partitioned by month: its partitions hold the rows and the statistics.
    assert [tuple(row) for row in vacuumed] == [
        ("customers", True),
        ("ledger_entries_default", True),
        ("ledger_entries_p201012", True),
        ("ledger_entries_p201101", True),
        ("lines", True),
    ]


@SQLITE_ONLY
def test_status_prints_a_table_by_local_network_with_money_in_yuan(
    cli: RunCli, tmp_path: Path, db_url: str
) -> None:
    rows = [line_row(0, balance="100.45"), line_row(1, balance="23")]
    import_directly(db_url, write_csv(tmp_path / "good.csv", rows))

    table = cli("status")

    assert table.exit_code == 0, table
    assert re.search(
        r"0551\s+│\s+Hefei\s+│\s+phs\s+│\s+telecom\s+│\s+active\s+│\s+2\s+│", table.stdout
    )
    assert "Lines: 2 in all, 2 live." in table.stdout
    assert "balances 123.45" in table.stdout


@SQLITE_ONLY
def test_importing_the_same_file_twice_exits_2_and_says_it_was_imported(
    cli: RunCli, tmp_path: Path, db_url: str
) -> None:
    path = write_csv(tmp_path / "good.csv", line_rows(2))
    import_directly(db_url, path)

    again = cli("import", "lines", str(path), *TODAY)

    assert again.exit_code == 2, again
    assert "IMPORT_DUPLICATE_FILE" in said(again.stderr)
    assert lines_total(db_url) == 2


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import", "lines", "missing.csv"), "no such file"),
        (("import", "lines", "bad.csv", "--today", "31/12/2010"), "is not a date"),
    ],
)
def test_bad_input_on_the_command_line_exits_2_with_a_message(
    cli: RunCli, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    bad_file(tmp_path)
    result = cli(*args)
    assert result.exit_code == 2, result
    assert message in said(result.stderr)


@SQLITE_ONLY
def test_a_misspelt_column_exits_2_suggesting_the_right_name(cli: RunCli, tmp_path: Path) -> None:
    rows = [{("balanse" if k == "balance" else k): v for k, v in line_row(0).items()}]
    result = cli("import", "lines", str(write_csv(tmp_path / "l.csv", rows)), *TODAY)
    assert result.exit_code == 2, result
    assert "did you mean 'balance'" in said(result.stderr)


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("value", "reason"),
    [("abc", "Input should be a valid integer"), ("-1", "greater than or equal to 0")],
)
def test_a_bad_setting_exits_2_naming_the_variable_before_the_command_does_anything(
    cli: RunCli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    value: str,
    reason: str,
) -> None:
    path = write_csv(tmp_path / "l.csv", [line_row(0)])
    monkeypatch.setenv("SUNSET_BATCH_WORKERS", value)
    result = cli("import", "lines", str(path), *TODAY)

    assert result.exit_code == 2, result
    assert f"SUNSET_BATCH_WORKERS='{value}'" in said(result.stderr)
    assert reason in said(result.stderr)
    assert "Traceback" not in result.stderr
    assert not Path(sa.make_url(db_url).database or "").exists()  # nothing done, not even that


@SQLITE_ONLY
def test_a_numbering_overlay_from_the_environment_admits_historical_numbers(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    # Shenzhen's 7-digit numbers (before 1996) are not in the shipped overlay.
    path = write_csv(tmp_path / "sz.csv", [line_row(0, number="0755-2345678", area_code="0755")])
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text('area_codes:\n  "0755": {local_lengths: [7, 8]}\n', encoding="utf-8")
    monkeypatch.setenv("SUNSET_NUMBERING_OVERLAY", str(overlay))
    result = cli("import", "lines", str(path), *TODAY)

    assert result.exit_code == 0, result
    assert lines_total(db_url) == 1


def test_verify_exits_0_on_a_clean_database_and_4_naming_each_violation(
    cli: RunCli, tmp_path: Path, db_url: str
) -> None:
    import_directly(db_url, write_csv(tmp_path / "good.csv", line_rows(2)))
    clean = cli("verify")
    assert clean.exit_code == 0, clean
    assert "All invariants hold" in clean.stdout

    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE lines SET balance_fen = balance_fen + 1 WHERE number = '+8655162000001'"
            )
    finally:
        engine.dispose()
    broken = cli("verify")
    as_json = cli("verify", "--json")

    assert broken.exit_code == 4, broken
    assert "BALANCE_NOT_LEDGER_SUM" in said(broken.stderr)
    assert "0551-62000001" in said(broken.stderr)
    assert "MONEY_NOT_CONSERVED" in said(broken.stderr)
    assert as_json.exit_code == 4
    assert as_json.json()["ok"] is False
    codes = {v["code"] for v in as_json.json()["violations"]}
    assert codes == {"BALANCE_NOT_LEDGER_SUM", "MONEY_NOT_CONSERVED"}


def test_demo_imports_a_synthetic_operator_and_refuses_to_run_twice_without_reset(
    cli: RunCli, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # a terminal, as Rich sees it: progress shown
    first = cli("demo", "--lines", "2000", "--seed", "1")
    assert first.exit_code == 0, first
    assert "Generating 2,000 PHS lines and importing them" in first.stderr
    assert "Playing 2011-2012" in first.stderr and "2012-12: " in first.stderr
    monkeypatch.delenv("TTY_COMPATIBLE")
    assert "Imported 2,000 PHS lines" in first.stdout
    assert "2011-01:" in first.stdout and "2012-12:" in first.stdout  # two years, month by month
    assert "Chaohu (0565)" in said(first.stdout)
    assert "all invariants hold" in first.stdout

    # Each migration under an offer opened a new line beside the old one; a few lines were sold.
    total = lines_total(db_url)
    sold = lines_total(db_url, "network_code = 'phs' AND activated_on > '2010-12-31'")
    assert total == 2000 + lines_total(db_url, "status = 'migrated'") + sold
    told = said(first.stdout)
    assert "What happened, 2010-12-31 to 2012-12-31" in told
    assert "given up by their owners" in told and "switched off with their network" in told
    assert "Where to look next" in told
    again = cli("demo", "--lines", "2000", "--seed", "1")
    assert again.exit_code == 3, again
    assert f"already holds {total:,} lines" in said(again.stderr)
    assert "--reset" in said(again.stderr)
    assert lines_total(db_url) == total

    reset = cli("demo", "--reset", "--lines", "1500", "--seed", "2")
    assert reset.exit_code == 0, reset
    assert "Imported 1,500 PHS lines" in reset.stdout
    assert "all invariants hold" in reset.stdout
    sold = lines_total(db_url, "network_code = 'phs' AND activated_on > '2010-12-31'")
    assert lines_total(db_url) == 1500 + lines_total(db_url, "status = 'migrated'") + sold


@SQLITE_ONLY
def test_long_commands_show_what_they_are_doing_on_a_terminal(
    cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # a terminal, as Rich sees it
    ran = cli("run", "--until", "2011-01-31")
    checked = cli("verify")

    assert ran.exit_code == checked.exit_code == 0
    assert "Running the cycle to 2011-01-31" in ran.stderr
    assert "Checking every invariant of money and numbers" in checked.stderr


@SQLITE_ONLY
def test_demo_keeps_its_files_when_asked(cli: RunCli, tmp_path: Path) -> None:
    result = cli("demo", "--lines", "1000", "--keep", str(tmp_path / "kept"))
    assert result.exit_code == 0, result
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["lines.csv", "sites.csv"]


@SQLITE_ONLY
def test_db_upgrade_brings_a_fresh_database_up_to_date(cli: RunCli) -> None:
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result
    assert "up to date" in result.stdout


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in getattr(group, "commands", {}).items():
        found += _commands(command, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "sunset")
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    # In process: help needs no database, and a subprocess per command costs a second each.
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_the_installed_command_shows_help(cli: RunCli) -> None:
    result = cli("import", "lines", "--help")
    assert result.exit_code == 0, result
    assert "--skip-invalid" in result.stdout
