"""`sunset stats`, `report` and `simulate` count the lines of the network being retired, say so,
and refuse to guess when several networks are being retired."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.cli.test_stats_cli import hefei_with_month_ends, said

if TYPE_CHECKING:
    from tests.conftest import RunCli

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_stats_names_the_network_it_counts_and_asks_which_when_two_are_being_retired(
    cli: RunCli, db_url: str, tmp_path: Path
) -> None:
    hefei_with_month_ends(db_url, tmp_path)
    (tmp_path / "none.csv").write_text("area_code,network,switched_off\n")

    table = cli("stats")
    as_json = cli("stats", "--json")
    simulated = cli("simulate", "--plan", "none.csv", "--months", "2", "--today", "2011-04-30")
    for network in ("phs", "gsm"):
        planned = cli(
            "plan",
            "set",
            "0551",
            "--network",
            network,
            "--announced",
            "2011-06-01",
            "--today",
            "2011-04-30",
        )
        assert planned.exit_code == 0, planned
    ambiguous = cli("stats")
    gsm = cli("stats", "--network", "gsm")
    unknown = cli("report", "--month", "2011-03", "--out", "out", "--network", "pstn")

    assert "Remaining lines of phs, the network being retired" in said(table.stdout), table
    assert "all, 2011-03: 5 phs lines (no figure for 2010-12)" in said(table.stdout)
    assert as_json.json()["network"] == "phs"
    assert "5 live phs lines" in said(simulated.stdout), simulated
    assert ambiguous.exit_code == 2, ambiguous
    assert "several networks are being retired (gsm, phs): say which with --network" in said(
        ambiguous.stderr
    )
    assert "No month-end counted a line of gsm yet" in said(gsm.stdout), gsm
    assert unknown.exit_code == 2 and "no network 'pstn'" in said(unknown.stderr), unknown
