"""Two processes top up the same lines while a third runs the cycle through their switch-off, on
SQLite and PostgreSQL: no top-up is accepted once the switch-off has taken the line, none that
was accepted is lost, and everything that was on a line is refunded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from tests.factories import (
    ACTOR,
    e164,
    import_file,
    line_row,
    line_rows,
    noon,
    rows_of,
    send_notice,
    set_plan,
    violations_of,
    write_csv,
)

from sunset.cycle.daily import run_cycle
from sunset.db import make_engine
from sunset.usecases import operations

SWITCH_OFF = date(2011, 4, 10)
EVE = "2011-04-09"  # the top-ups are dated the day before the switch-off: the plan allows them
RACERS = ["0551-62000000", "0551-62000001", "0551-62000002"]
MAX_TOP_UPS = 15  # per process, in case the switch-off never came


@pytest.fixture
def base(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """Three prepaid lines with 50 yuan each and 200 other Hefei lines, all told on 2011-01-01
    of the switch-off on 2011-04-10."""
    rows = [line_row(i, prepaid="true", monthly_fee="3", balance="50") for i in range(3)]
    rows += line_rows(200, start=10)
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    set_plan(engine, announced=date(2011, 1, 1), switched_off=SWITCH_OFF)
    send_notice(engine, "0551", date(2011, 1, 1))
    return engine


@dataclass(frozen=True)
class TopUp:
    number: str
    key: str
    exit_code: int
    stdout: str
    stderr: str


def sunset(url: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SUNSET_DATABASE_URL": url, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "sunset", *args],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def top_up_until_refused(
    url: str, folder: Path, name: str, out: list[TopUp], cycle_done: threading.Event
) -> None:
    """Top the racers up by 1 yuan in turn until one is refused after the cycle has finished."""
    for i in range(MAX_TOP_UPS):
        number, key = RACERS[i % len(RACERS)], f"{name}-{i}"
        done = sunset(url, folder, "top-up", number, "1", "--today", EVE, "--key", key, "--json")
        out.append(TopUp(number, key, done.returncode, done.stdout, done.stderr))
        if done.returncode != 0 and cycle_done.is_set():
            return


def test_top_ups_racing_the_switch_off_are_either_refunded_or_refused_never_lost(
    base: sa.Engine, db_url: str, tmp_path: Path
) -> None:
    streams: list[list[TopUp]] = [[], []]
    cycle_done = threading.Event()
    threads = [
        threading.Thread(
            target=top_up_until_refused, args=(db_url, tmp_path, f"p{i}", out, cycle_done)
        )
        for i, out in enumerate(streams)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while not all(streams) and time.monotonic() < deadline:  # both are topping up by now
        time.sleep(0.05)
    cycle = sunset(db_url, tmp_path, "run", "--until", str(SWITCH_OFF), "--from", "2011-01-01")
    cycle_done.set()
    for thread in threads:
        thread.join(timeout=120)

    assert cycle.returncode == 0, cycle.stderr
    top_ups = [t for out in streams for t in out]
    accepted = [t for t in top_ups if t.exit_code == 0]
    lost_race = [t for t in top_ups if t.exit_code != 0]
    assert accepted and len(lost_race) >= len(streams)
    for t in lost_race:
        assert t.exit_code in (2, 3), t
        assert "Traceback" not in t.stderr, t.stderr
        refusal = json.loads(t.stdout)
        # The line that lost the race is gone, and the answer says when and where its money went.
        assert (refusal["refused"], refusal["code"]) == (True, "LINE_SWITCHED_OFF"), refusal
        assert f"{t.number} was switched off" in refusal["message"]
        assert refusal["details"]["closed_on"] == "2011-04-10"

    # Every accepted top-up is on the ledger, once; no refused one is.
    entries = rows_of(
        base,
        "SELECT k.key, l.number, e.amount_fen FROM ledger_entries e"
        " JOIN ledger_keys k ON k.area_code = e.area_code AND k.period = e.period"
        " AND k.cause = e.cause AND k.line_id = e.line_id AND k.part = e.part"
        " JOIN lines l ON l.id = e.line_id WHERE e.kind = 'top_up'",
    )
    # (Stored in the scope of the line's operator.)
    assert sorted(entries) == sorted((f"telecom:{t.key}", e164(t.number), 100) for t in accepted)

    for number in RACERS:
        line = rows_of(
            base,
            "SELECT id, status, terminated_on, balance_fen FROM lines WHERE number = :n",
            n=e164(number),
        )
        [(line_id, status, terminated_on, balance)] = line
        assert (status, terminated_on, balance) == ("terminated", str(SWITCH_OFF), 0)
        on_line = rows_of(
            base,
            "SELECT period, cause, part, kind, amount_fen FROM ledger_entries WHERE line_id = :i",
            i=line_id,
        )
        [(refund_id, refund_fen)] = [(i[:3], a) for *i, k, a in on_line if k == "refund"]
        # The refund took everything that was on the line, and the balance is nothing: no
        # top-up came after it.
        assert -refund_fen == sum(a for *_, k, a in on_line if k != "refund")
        assert rows_of(
            base,
            "SELECT amount_fen, entry_period, entry_cause, entry_part FROM refunds"
            " WHERE line_id = :i",
            i=line_id,
        ) == [(-refund_fen, *refund_id)]
    assert violations_of(base) == []


# --- another transaction committing in the middle of the cycle's day, on PostgreSQL ---------
#
# PostgreSQL lets other writers commit while the cycle's day is under way (READ COMMITTED: each
# statement sees what was committed before it began). A hook on the cycle's engine picks the
# moment: just before the cycle's first statement starting with ``prefix``, a care agent's
# operation runs and commits in its own session. Nothing of sunset is replaced.


@contextmanager
def meanwhile(engine: sa.Engine, prefix: str, operation: Callable[[], None]) -> Iterator[list[str]]:
    """Run ``operation`` (in another transaction) just before ``engine`` runs ``prefix...``."""
    done: list[str] = []

    def run_operation(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith(prefix) and not done:
            done.append(statement)
            operation()

    event.listen(engine, "before_cursor_execute", run_operation)
    try:
        yield done
    finally:
        event.remove(engine, "before_cursor_execute", run_operation)


@pytest.fixture
def two_areas(engine: sa.Engine, tmp_path: Path) -> Iterator[tuple[sa.Engine, Session]]:
    """A prepaid line in Hefei (20 yuan a month, 100 yuan on it, switched off on 2011-04-10) and
    one in Chaohu (no fee, 12.50 yuan, no plan), the cycle run to 2011-01-30; and a second
    session, for a care agent."""
    rows = [
        line_row(0, prepaid="true", monthly_fee="20", balance="100"),
        line_row(1, prepaid="true", monthly_fee="0", number=CHAOHU, area_code="0565"),
    ]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    set_plan(engine, announced=date(2011, 1, 1), switched_off=SWITCH_OFF)
    send_notice(engine, "0551", date(2011, 1, 1))
    run_cycle(engine, until=date(2011, 1, 30), start=date(2011, 1, 1))
    agent = make_engine(engine.url.render_as_string(hide_password=False), migrate=False)
    care = Session(agent)
    try:
        yield engine, care
    finally:
        care.close()
        agent.dispose()


CHAOHU = "0565-2234567"
# Hefei's day, then Chaohu's: the agent's operation in Chaohu comes in the middle of Hefei's day,
# before the cycle has done that day in Chaohu (run at once, Chaohu's day might be done already
# and the operation rightly refused as dated before the cycle).
ONE_AT_A_TIME = 1
PG_ONLY = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
BY_ID_RACE = (
    "the new entries are found as `entries.id > before`, which assumes that no other "
    "transaction commits an entry meanwhile: true on "
    "SQLite (one writer), false on PostgreSQL, where ids are taken before commit and each "
    "statement sees what others committed since"
)


@PG_ONLY
def test_a_top_up_committed_during_the_month_end_is_counted_once(
    two_areas: tuple[sa.Engine, Session],
) -> None:
    engine, care = two_areas

    def top_up() -> None:
        operations.top_up(
            care,
            ACTOR,
            number=CHAOHU,
            amount_fen=5000,
            today=date(2011, 1, 31),
            key="care-1",
            now=noon(date(2011, 1, 31)),
        )
        care.commit()

    with meanwhile(engine, "INSERT INTO LEDGER_ENTRIES", top_up) as done:
        run_cycle(engine, until=date(2011, 1, 31), workers=ONE_AT_A_TIME)

    assert done
    assert rows_of(engine, "SELECT balance_fen FROM lines WHERE number = :n", n=e164(CHAOHU)) == [
        (1250 + 5000,)
    ]
    assert violations_of(engine) == []


@PG_ONLY
def test_a_termination_committed_during_the_switch_off_is_refunded_once(
    two_areas: tuple[sa.Engine, Session],
) -> None:
    engine, care = two_areas
    run_cycle(engine, until=date(2011, 4, 9))

    def terminate() -> None:
        operations.terminate(
            care, ACTOR, number=CHAOHU, today=SWITCH_OFF, key="care-1", now=noon(SWITCH_OFF)
        )
        care.commit()

    with meanwhile(engine, "INSERT INTO REFUNDS", terminate) as done:
        run_cycle(engine, until=SWITCH_OFF, workers=ONE_AT_A_TIME)

    assert done
    assert rows_of(
        engine,
        "SELECT l.number, r.amount_fen FROM refunds r JOIN lines l ON l.id = r.line_id"
        " ORDER BY l.number",
    ) == [(e164("0551-62000000"), 10000 - 3 * 2000 - 2000 * 9 // 30), (e164(CHAOHU), 1250)]
    assert violations_of(engine) == []
