"""The command line goes through the same door as the web (#17): it acts as a named account or
the operating system's user, is audited, holds money above a limit for a second person, and
refuses bad input by name (exit 2) on both engines, never with a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import RunCli
from tests.factories import import_file, line_row, write_csv

TELECOM_LINE = "0551-62000001"
UNICOM_LINE = "010-60000001"
PASSWORD = "correct horse battery"


@pytest.fixture
def world(engine: sa.Engine, tmp_path: Path, cli: RunCli) -> RunCli:
    rows = [
        line_row(1, number=TELECOM_LINE, balance="100.00"),
        line_row(2, number=UNICOM_LINE, area_code="010", operator="unicom", customer_id="B1"),
    ]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    for name, role, operator in (
        ("agent.telecom", "agent", "telecom"),
        ("supervisor.telecom", "supervisor", "telecom"),
        ("agent.unicom", "agent", "unicom"),
    ):
        added = cli("user", "add", name, "--role", role, "--operator", operator, input=PASSWORD)
        assert added.exit_code == 0, added
    return cli


def test_a_top_up_above_the_limit_waits_for_a_supervisor_and_everything_is_audited(
    world: RunCli,
) -> None:
    held = world(
        "--as", "agent.telecom", "top-up", TELECOM_LINE, "1500", "--today", "2011-03-10", "--json"
    )
    assert held.exit_code == 5, held  # held: nothing applied yet
    approval = held.json()["approval"]

    mine = world("--as", "agent.telecom", "approvals", "approve", str(approval))
    assert mine.exit_code == 3 and "PERMISSION_DENIED" in mine.stderr
    listed = world("--as", "supervisor.telecom", "approvals", "list", "--json")
    assert [a["id"] for a in listed.json()] == [approval]
    done = world("--as", "supervisor.telecom", "approvals", "approve", str(approval), "--json")
    assert done.exit_code == 0 and done.json()["state"] == "approved", done

    log = world("audit", "--json").json()
    actions = [(e["user"], e["action"], e["amount_fen"]) for e in log]
    assert ("agent.telecom", "line.top_up.held", None) in actions
    assert ("supervisor.telecom", "approval.approve", 150_000) in actions
    assert any(user.startswith("os:") and action == "user.add" for user, action, _ in actions)


def test_an_unknown_account_is_refused_before_anything_is_done(world: RunCli) -> None:
    done = world("--as", "nobody", "top-up", TELECOM_LINE, "10", "--today", "2011-03-10")
    assert done.exit_code == 2 and "--as" in done.stderr and "nobody" in done.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--operator", "nope", "--area", "0551", "--customer-id", "X"], "--operator"),
        (["--operator", "telecom", "--area", "021", "--customer-id", "X"], "NUMBER"),
        (["--operator", "telecom", "--area", "0551", "--customer-id", ""], "--customer-id"),
        (["--operator", "telecom", "--area", "0551", "--customer-id", "x" * 100], "--customer-id"),
    ],
)
def test_activate_refuses_what_verify_would_then_refuse(
    world: RunCli, args: list[str], named: str
) -> None:
    done = world("activate", "0551-62999999", *args, "--today", "2011-03-10")
    assert done.exit_code == 2, done
    assert named in done.stderr and "Traceback" not in done.stderr
    assert world("verify").exit_code == 0


def test_long_keys_and_dates_in_the_future_are_refused_by_name(world: RunCli) -> None:
    key = world("top-up", TELECOM_LINE, "10", "--key", "k" * 200, "--today", "2011-03-10")
    assert key.exit_code == 2 and "--key" in key.stderr and "Traceback" not in key.stderr
    future = world("top-up", TELECOM_LINE, "10", "--today", "9999-12-31")
    assert future.exit_code == 2 and "--today" in future.stderr
    huge = world("top-up", TELECOM_LINE, "9999999999", "--today", "2011-03-10")
    assert huge.exit_code == 3 and "AMOUNT_ABOVE_EVERY_LIMIT" in huge.stderr


def test_a_number_that_is_not_utf8_is_refused_without_a_traceback(
    world: RunCli, db_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "SUNSET_DATABASE_URL": db_url, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "sunset", "top-up", b"0551-6\xff\xfe", "10"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 2, proc
    assert b"Traceback" not in proc.stderr and b"UTF-8" in proc.stderr


def test_a_complaint_moved_twice_with_one_key_moves_once(world: RunCli) -> None:
    opened = world(
        "complaint",
        "open",
        TELECOM_LINE,
        "--kind",
        "other",
        "--text",
        "信号差",
        "--today",
        "2011-03-10",
        "--json",
    ).json()
    args = ["complaint", "resolve", str(opened["id"]), "--credit", "5", "--key", "k1"]
    first = world(*args, "--today", "2011-03-11", "--json")
    again = world(*args, "--today", "2011-03-11", "--json")
    assert (first.exit_code, again.exit_code) == (0, 0)
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    credits = [e for e in world("audit", "--json").json() if e["action"] == "complaint.move"]
    assert len(credits) == 1


def test_another_operators_agent_learns_nothing_of_a_line(world: RunCli) -> None:
    seen = world("--as", "agent.unicom", "top-up", TELECOM_LINE, "10", "--today", "2011-03-10")
    assert seen.exit_code == 2
    assert "no live line has the number 0551-62000001" in seen.stderr
    assert "12.50" not in seen.stderr and "telecom" not in seen.stderr


def test_json_refusals_name_the_field_as_the_command_line_does(world: RunCli) -> None:
    done = world(
        "activate",
        "0551-62999999",
        "--operator",
        "nope",
        "--area",
        "0551",
        "--customer-id",
        "X",
        "--today",
        "2011-03-10",
        "--json",
    )
    body = json.loads(done.stdout)
    assert (done.exit_code, body["code"], body["field"]) == (2, "INPUT_INVALID", "--operator")
    assert body["message"].startswith("--operator: unknown operator")
