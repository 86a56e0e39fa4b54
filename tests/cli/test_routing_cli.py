"""`sunset route` and `sunset numberdb` as a user runs them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.factories import read_errors_csv, write_csv

from sunset.db import make_engine, session_scope
from sunset.routing import service

if TYPE_CHECKING:
    from tests.conftest import RunCli

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def record_port(db_url: str) -> None:
    """A port of 0551-62000000 to Unicom WCDMA on 2011-06-02 10:00, ringing 133 1234 5678 too."""
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            service.record_route(
                session,
                number="+8655162000000",
                operator_code="unicom",
                network_code="wcdma",
                valid_from=datetime(2011, 6, 2, 10),
                source="port",
                forward_to="+8613312345678",
                forward_until=datetime(2011, 7, 1),
            )
    finally:
        engine.dispose()


def test_route_json_gives_the_operator_network_and_forwarding_at_a_moment(
    cli: RunCli, db_url: str
) -> None:
    record_port(db_url)

    result = cli("route", "0551 6200 0000", "--at", "2011-06-02 10:00", "--json")

    assert result.exit_code == 0, result
    assert result.json() == {
        "at": "2011-06-02T10:00:00",
        "number": "+8655162000000",
        "assigned": True,
        "operator_code": "unicom",
        "network_code": "wcdma",
        "routing_number": "D206",
        "ported": True,
        "source": "port",
        "valid_from": "2011-06-02T10:00:00",
        "forward_to": "+8613312345678",
        "forward_until": "2011-07-01T00:00:00",
        "note": None,
    }


@SQLITE_ONLY
def test_route_before_the_port_says_the_number_is_unassigned_in_words(
    cli: RunCli, db_url: str
) -> None:
    record_port(db_url)

    result = cli("route", "+8655162000000", "--at", "2011-06-02 09:00")

    assert result.exit_code == 0, result
    assert "0551-62000000" in result.stdout
    assert "unassigned" in result.stdout


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("args", "named"),
    [(("0551-620",), "NUMBER"), (("0551-62000000", "--at", "tomorrow"), "--at")],
)
def test_route_with_bad_input_exits_2_naming_the_parameter(
    cli: RunCli, args: tuple[str, ...], named: str
) -> None:
    result = cli("route", *args)

    assert result.exit_code == 2, result
    assert named in result.stderr


@SQLITE_ONLY
def test_numberdb_export_writes_the_csv_and_importing_it_again_is_refused_row_by_row(
    cli: RunCli, db_url: str, tmp_path: Path
) -> None:
    record_port(db_url)
    exported = cli("numberdb", "export", str(tmp_path / "out.csv"))
    assert exported.exit_code == 0, exported
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("number,operator,network,routing_number,valid_from")
    assert lines[1].startswith("+8655162000000,unicom,wcdma,D206,2011-06-02 10:00:00")

    refused = cli("numberdb", "import", str(tmp_path / "out.csv"))

    # The entry is already there: the row is named, nothing is imported.
    assert refused.exit_code == 2, refused
    assert "already has an entry" in " ".join(refused.stderr.split())


@SQLITE_ONLY
def test_numberdb_import_of_a_bad_file_names_the_row_and_column(
    cli: RunCli, tmp_path: Path
) -> None:
    row = {
        "number": "0551-62000000",
        "operator": "unicorn",
        "network": "wcdma",
        "routing_number": "",
        "valid_from": "2011-06-02 10:00",
    }
    result = cli("numberdb", "import", str(write_csv(tmp_path / "bad.csv", [row])))

    assert result.exit_code == 2, result
    said = " ".join(result.stderr.split())
    assert "IMPORT_REJECTED" in said
    assert "│ 2 │ operator" in said


@SQLITE_ONLY
def test_numberdb_import_writes_every_bad_row_to_the_errors_file(
    cli: RunCli, tmp_path: Path
) -> None:
    rows = [
        {
            "number": f"0551-6200000{i}",
            "operator": "unicorn",
            "network": "wcdma",
            "routing_number": "",
            "valid_from": "2011-06-02 10:00",
        }
        for i in range(3)
    ]
    path = write_csv(tmp_path / "bad.csv", rows)

    result = cli("numberdb", "import", str(path), "--errors", str(tmp_path / "errors.csv"))

    assert result.exit_code == 2, result
    assert [(e["row"], e["column"]) for e in read_errors_csv(tmp_path / "errors.csv")] == [
        ("2", "operator"),
        ("3", "operator"),
        ("4", "operator"),
    ]
