"""`sunset offers|campaign|migrate|port` as a user runs them: JSON shapes and exit statuses."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.factories import line_row, write_csv

if TYPE_CHECKING:
    from tests.conftest import RunCli

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
CQ = "023-61000000"
MOBILE = "13522000001"


@pytest.fixture
def base(cli: RunCli, tmp_path: Path) -> RunCli:
    rows = [
        line_row(0, number=CQ, area_code="023", activated_on="2005-03-01"),
        line_row(1, number="023-61000001", area_code="023", activated_on="2010-03-01"),
    ]
    assert (
        cli(
            "import", "lines", str(write_csv(tmp_path / "l.csv", rows)), "--today", "2010-12-31"
        ).exit_code
        == 0
    )
    activated = cli(
        "activate",
        MOBILE,
        "--operator",
        "mobile",
        "--network",
        "gsm",
        "--area",
        "022",
        "--customer-id",
        "TJ1",
        "--monthly-fee",
        "30",
        "--today",
        "2010-06-01",
    )
    assert activated.exit_code == 0, activated
    return cli


@SQLITE_ONLY
def test_offers_json_lists_every_offer_with_reasons(base: RunCli) -> None:
    result = base("offers", "023-61000001", "--today", "2011-01-20", "--json")
    assert result.exit_code == 0, result
    offers = {o["id"]: o for o in json.loads(result.stdout)}
    assert offers["chongqing-2009-tianyi"]["eligible"] is False
    assert [r["code"] for r in offers["chongqing-2009-tianyi"]["reasons"]] == [
        "OFFER_ACTIVATED_TOO_LATE"
    ]


@SQLITE_ONLY
def test_campaign_build_writes_the_eligible_lines(base: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "campaign.csv"
    result = base(
        "campaign", "build", "chongqing-2009-tianyi", "--out", str(out), "--today", "2011-01-20"
    )
    assert result.exit_code == 0, result
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["number"] for r in rows] == ["+862361000000"]
    assert "1 lines eligible" in result.stdout


def test_migrate_refuses_an_ineligible_line_with_exit_3(base: RunCli) -> None:
    result = base(
        "migrate",
        "023-61000001",
        "--offer",
        "chongqing-2009-tianyi",
        "--plan",
        "55",
        "--new-number",
        "18923000001",
        "--today",
        "2011-01-20",
        "--json",
    )
    assert result.exit_code == 3, result
    assert json.loads(result.stdout)["code"] == "OFFER_NOT_ELIGIBLE"
    missing_plan = base(
        "migrate",
        CQ,
        "--offer",
        "chongqing-2009-tianyi",
        "--new-number",
        "18923000001",
        "--today",
        "2011-01-20",
    )
    assert missing_plan.exit_code == 2 and "--plan" in missing_plan.stderr
    done = base(
        "migrate",
        CQ,
        "--offer",
        "chongqing-2009-tianyi",
        "--plan",
        "35",
        "--new-number",
        "18923000001",
        "--today",
        "2011-01-20",
        "--json",
    )
    assert done.exit_code == 0, done
    assert json.loads(done.stdout)["monthly_fee_yuan"] == "35.00"
    assert base("verify").exit_code == 0


def test_port_check_json_answers_allowed_and_reasons(base: RunCli) -> None:
    allowed = base(
        "port", "check", MOBILE, "--to", "unicom/wcdma", "--today", "2011-03-01", "--json"
    )
    assert allowed.exit_code == 0, allowed
    assert json.loads(allowed.stdout) == {"allowed": True, "reasons": []}
    refused = base(
        "port",
        "check",
        MOBILE,
        "--to",
        "unicom",
        "--area",
        "0551",
        "--today",
        "2010-11-01",
        "--json",
    )
    assert refused.exit_code == 3
    answer = json.loads(refused.stdout)
    assert answer["allowed"] is False
    assert [r["code"] for r in answer["reasons"]] == ["PORT_NO_RULES_IN_FORCE"]
    unknown = base("port", "check", MOBILE, "--to", "vodafone", "--today", "2011-03-01")
    assert unknown.exit_code == 2 and "vodafone" in unknown.stderr


@SQLITE_ONLY
def test_the_porting_flow_from_the_command_line(base: RunCli) -> None:
    asked = base(
        "port", "request", MOBILE, "--to", "unicom/wcdma", "--now", "2011-03-01T19:10", "--json"
    )
    assert asked.exit_code == 0, asked
    code = json.loads(asked.stdout)["auth_code"]
    assert (
        base("port", "authorise", MOBILE, "--code", code, "--now", "2011-03-01T19:20").exit_code
        == 0
    )
    obstructed = base(
        "port", "validate", MOBILE, "--reject", "PORT_ARREARS", "--now", "2011-03-01T19:25"
    )
    assert obstructed.exit_code == 3 and "PORT_OBSTRUCTION" in obstructed.stderr
    ran = base("port", "run", "--now", "2011-03-01T20:00", "--json")
    assert json.loads(ran.stdout) == {"expired": 0, "validated": 1, "rejected": 0, "completed": 0}
    ran = base("port", "run", "--now", "2011-03-02T09:00", "--json")
    assert json.loads(ran.stdout)["completed"] == 1
    log = json.loads(base("port", "log", MOBILE, "--json").stdout)
    assert [e["to_state"] for e in log[0]["events"]] == [
        "requested",
        "authorised",
        "authorised",
        "validated",
        "scheduled",
        "completed",
    ]
    assert base("verify").exit_code == 0


@SQLITE_ONLY
def test_bad_campaign_and_migration_input_is_named_and_changes_nothing(
    base: RunCli, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "c.csv"
    result = base(
        "campaign", "build", "chongqing-2009-tianyi", "--out", str(missing), "--today", "2011-01-20"
    )
    assert result.exit_code == 2 and "--out" in result.stderr
    assert not missing.parent.exists()
    bad = base(
        "migrate",
        CQ,
        "--offer",
        "chongqing-2009-tianyi",
        "--plan",
        "35",
        "--new-number",
        "12345",
        "--today",
        "2011-01-20",
        "--json",
    )
    assert bad.exit_code == 2, bad
    assert json.loads(bad.stdout)["message"].startswith("--new-number:")
    listed = base("offers", CQ, "--today", "2011-01-20", "--json")
    assert listed.exit_code == 0  # still live: the refused migration changed nothing
