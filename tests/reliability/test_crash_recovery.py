"""Kill `sunset run` with SIGKILL at random points, rerun it, and get exactly the state of one
uninterrupted run: the cycle commits each day with its checkpoint, so a crash loses nothing and
doubles nothing. On SQLite and PostgreSQL, with the real command in a real subprocess."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from tests.factories import ACTOR, noon, rows_of, send_notice, set_plan, state_of, violations_of

from sunset.cycle.daily import run_cycle
from sunset.db import make_engine, session_scope
from sunset.synth.generator import generate_lines
from sunset.usecases import operations
from sunset.usecases.batch import import_lines

FROM, UNTIL = date(2011, 1, 1), date(2012, 12, 31)
RUN = ["run", "--until", UNTIL.isoformat(), "--from", FROM.isoformat(), "--json"]
KILL_POINTS = 10
SEED = 20120110
EXPORTED_ON = date(2010, 12, 31)

# Three local networks, 100 lines each: a switch-off after top-ups were refused (Shenyang), one
# after no new sales and a refusal (Beijing), one late in 2012 without a refusal (Chongqing).
PLANS = {
    "024": {
        "announced": date(2011, 3, 1),
        "topups_refused": date(2011, 6, 1),
        "switched_off": date(2011, 12, 15),
    },
    "010": {
        "announced": date(2011, 4, 1),
        "no_new_sales": date(2011, 5, 1),
        "topups_refused": date(2011, 9, 1),
        "switched_off": date(2012, 3, 31),
    },
    "023": {
        "announced": date(2011, 5, 1),
        "no_new_sales": date(2011, 6, 1),
        "switched_off": date(2012, 9, 30),
    },
}


def build_base(engine: sa.Engine, folder: Path) -> None:
    """300 synthetic lines over three local networks with their plans and notices; vulnerable
    lines get their replacement confirmed on 2012-05-01, one line is exempt to 2012-10-31."""
    frame = generate_lines(4000, seed=7, today=EXPORTED_ON)
    frame = pl.concat([frame.filter(pl.col("area_code") == a).head(100) for a in PLANS])
    assert frame.height == 300
    path = folder / "base.csv"
    frame.write_csv(path)
    with session_scope(engine, write=True) as session:
        import_lines(session, ACTOR, path=path, today=EXPORTED_ON, now=datetime(2010, 12, 31, 18))
    for area, dates in PLANS.items():
        set_plan(engine, area, **dates)
        send_notice(engine, area, dates["announced"])
    vulnerable = frame.filter(pl.col("vulnerable") != "none")["number"].to_list()
    ordinary = frame.filter(pl.col("vulnerable") == "none")["number"].to_list()
    with session_scope(engine, write=True) as session:
        for number in vulnerable:
            operations.confirm_replacement(
                session, ACTOR, number=number, today=date(2012, 5, 1), now=noon(date(2012, 5, 1))
            )
        operations.exempt(
            session,
            ACTOR,
            number=ordinary[0],
            until=date(2012, 10, 31),
            granted_by="programme office",
            reason="school alarm line",
            today=EXPORTED_ON,
            now=noon(EXPORTED_ON),
        )


@dataclass
class Databases:
    """Copies of one base database: a SQLite file copied, or a PostgreSQL template cloned."""

    folder: Path
    clone: Callable[[str], str]

    def copy(self) -> str:
        return self.clone(f"c_{uuid.uuid4().hex[:10]}")


@pytest.fixture
def databases(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[Databases]:
    engine = make_engine(db_url)
    build_base(engine, tmp_path)
    engine.dispose()
    if db_url.startswith("sqlite"):
        base = Path(sa.make_url(db_url).database or "")

        def clone(name: str) -> str:
            target = tmp_path / f"{name}.db"
            for suffix in ("", "-wal"):  # the write-ahead log too, should one be left
                if Path(f"{base}{suffix}").exists():
                    shutil.copyfile(f"{base}{suffix}", f"{target}{suffix}")
            return f"sqlite:///{target}"

        yield Databases(tmp_path, clone)
        return
    server = request.getfixturevalue("_pg_server")
    base_name = sa.make_url(db_url).database
    clones: list[str] = []

    def clone_pg(name: str) -> str:
        server.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base_name}"')
        clones.append(name)
        return str(server.url_for(name))

    try:
        yield Databases(tmp_path, clone_pg)
    finally:
        for name in clones:
            server.drop(name)


def start_run(url: str, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SUNSET_DATABASE_URL": url, "NO_COLOR": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "sunset", *RUN],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def timed_run(url: str, folder: Path, *args: str) -> float:
    """Run a `sunset` command to its end; return its wall time."""
    env = {**os.environ, "SUNSET_DATABASE_URL": url, "NO_COLOR": "1"}
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "sunset", *args],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return time.monotonic() - began


def days_done(url: str) -> int:
    """Days of the cycle committed so far, summed over local networks."""
    engine = sa.create_engine(url)
    try:
        return sum(
            (date.fromisoformat(str(d)) - FROM).days + 1
            for _, d in rows_of(engine, "SELECT area_code, done_through FROM cycle_progress")
        )
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Kill:
    delay_s: float
    days_done: int


def kill_after(proc: subprocess.Popen[bytes], began: float, delay: float) -> float | None:
    """SIGKILL ``proc`` ``delay`` seconds after ``began``; if it ends first, return its time."""
    while (elapsed := time.monotonic() - began) < delay:
        if proc.poll() is not None:
            proc.communicate()
            assert proc.returncode == 0
            return elapsed
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if proc.returncode == 0:  # it ended in the last instant
        return elapsed
    assert proc.returncode == -signal.SIGKILL
    return None


def test_a_run_killed_at_random_points_and_rerun_ends_in_the_state_of_one_clean_run(
    databases: Databases,
) -> None:
    reference_url = databases.copy()
    duration = timed_run(reference_url, databases.folder, *RUN)
    startup = timed_run(reference_url, databases.folder, "plan", "list", "--json")
    reference = make_engine(reference_url)
    expected = state_of(reference)
    reference.dispose()
    complete = days_done(reference_url)
    assert expected["refund_totals"][0][0] > 0  # the base exercises refunds
    rng = random.Random(SEED)
    kills: list[Kill] = []
    attempts = 0

    def mid_run() -> set[int]:
        return {k.days_done for k in kills if 0 < k.days_done < complete}

    # Kill until there are KILL_POINTS kills, at least two of them at different points mid-run
    # (on a loaded machine a kill may land before the work starts or after it ends).
    while (len(kills) < KILL_POINTS or len(mid_run()) < 2) and attempts < 6 * KILL_POINTS:
        # Spread the kills from just before the work starts to the end of the run.
        first = min(0.9 * startup, 0.8 * duration)
        slot = (len(kills) % KILL_POINTS) + rng.random()
        delay = first + (duration - first) * slot / KILL_POINTS
        attempts += 1
        url = databases.copy()
        began = time.monotonic()
        proc = start_run(url, databases.folder)
        if (finished := kill_after(proc, began, delay)) is not None:
            # The machine runs faster than when the run was timed: time it by this run.
            duration = finished
            continue
        kills.append(Kill(delay, days_done(url)))

        engine = make_engine(url)
        try:
            run_cycle(engine, until=UNTIL, start=FROM)
            assert state_of(engine) == expected, f"after a kill at {delay:.2f} s"
            assert violations_of(engine) == []
        finally:
            engine.dispose()

    assert len(kills) >= KILL_POINTS, f"only {len(kills)} kills in {attempts} attempts"
    assert len(mid_run()) >= 2, f"kills did not land mid-run: {kills} (run {duration:.2f} s)"


def test_local_networks_run_at_once_end_in_the_state_of_one_after_the_other(
    databases: Databases,
) -> None:
    """On PostgreSQL the cycle runs several local networks at once, each in its own connection;
    the state it leaves is the state of running them one after the other (on SQLite, one writer
    at a time, it always runs them one after the other)."""
    one_by_one = make_engine(databases.copy())
    at_once = make_engine(databases.copy())
    threads: set[str] = set()

    def note_thread(*_: object) -> None:
        threads.add(threading.current_thread().name)

    event.listen(at_once, "before_cursor_execute", note_thread)
    try:
        run_cycle(one_by_one, until=UNTIL, start=FROM, workers=1)
        report = run_cycle(at_once, until=UNTIL, start=FROM, workers=len(PLANS))
        assert state_of(at_once) == state_of(one_by_one)
        assert violations_of(at_once) == []
        assert {area for month in report.months.values() for area in month} == set(PLANS)
        if at_once.dialect.name == "postgresql":
            assert len({t for t in threads if t.startswith("sunset-batch")}) == len(PLANS)
        else:
            assert threads == {threading.main_thread().name}
    finally:
        one_by_one.dispose()
        at_once.dispose()
