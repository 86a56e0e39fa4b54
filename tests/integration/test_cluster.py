"""The national scale on several PostgreSQL servers: the demo's local networks placed across three
servers give the answers one server gives.

Three throwaway PostgreSQL servers (the test server and two more, started by the same
scripts/postgres.sh). The demo is played on one database, which is then copied (a template)
before its networks are spread over itself and two data servers: the spread database must read
(status, verify, statistics, the ledger) as its copy on one server does, and the cycle run on
both past the story's end (each network on its server) must write the same.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from tests.conftest import REPO_ROOT, _PgServer
from tests.factories import line_row, rows_of, write_csv

from sunset.access.vocabulary import Role
from sunset.cluster.layout import COORDINATOR
from sunset.cluster.routing import own_tables_engine, server_engine
from sunset.config import get_settings
from sunset.db import alembic_config, make_engine, session_scope
from sunset.errors import DomainError, ImportRejectedError, OperationRefusedError
from sunset.synth import operations as ops
from sunset.synth import scenario
from sunset.usecases import batch, cluster
from sunset.usecases import porting as porting_uc
from sunset.usecases import stats as stats_uc
from sunset.usecases import status as status_uc

pytestmark = pytest.mark.postgres

LINES = 2_000
LAST_DAY = scenario.LAST_DAY
NOW = datetime(2012, 1, 1, 8)
AFTER = date(2013, 3, 31)  # the cycle run past the story's end


def _start_server(folder: Path) -> str:
    done = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts/postgres.sh"), "start", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _stop_server(folder: Path, *, remove: bool) -> None:
    if remove:
        subprocess.run(
            ["bash", str(REPO_ROOT / "scripts/postgres.sh"), "stop", str(folder)], check=False
        )
        return
    ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            str(ctl),
            "-D",
            str(folder / "data"),
            "stop",
            "-m",
            "fast",
        ],
        check=True,
        capture_output=True,
    )


@dataclasses.dataclass
class Worlds:
    single: sa.Engine
    coordinator: sa.Engine
    servers: dict[str, str]  # name -> url
    folders: dict[str, Path]  # name -> the server's folder
    placed: dict[str, str]  # area -> server
    story: Any  # what the demo did before the networks were spread
    staff: ops.Staff


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


@pytest.fixture(scope="module")
def worlds(_pg_server: _PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worlds]:
    coordinator_db, single_db = _pg_server.create(), f"single_{_pg_server.template}"
    folders = {
        name: Path(f"/tmp/sunset-cluster-{name}-{tmp_path_factory.getbasetemp().name}")
        for name in ("s1", "s2")
    }
    urls = {name: _start_server(folder) for name, folder in folders.items()}
    coordinator = make_engine(_pg_server.url_for(coordinator_db))
    try:
        demo = scenario.load(
            coordinator, tmp_path_factory.mktemp("cluster"), lines=LINES, seed=2011
        )
        story = scenario.play(coordinator, demo, on_month=lambda _: None)
        coordinator.dispose()
        _pg_server.execute(f'CREATE DATABASE "{single_db}" TEMPLATE "{coordinator_db}"')
        single = make_engine(_pg_server.url_for(single_db))
        for name, url in urls.items():
            cluster.add_server(coordinator, ops.BACK_OFFICE, name=name, url=url, now=NOW)
        areas = [
            str(a)
            for (a,) in rows_of(coordinator, "SELECT DISTINCT area_code FROM lines ORDER BY 1")
        ]
        placed = {area: (COORDINATOR, "s1", "s2")[i % 3] for i, area in enumerate(areas)}
        for area, server in placed.items():
            if server != COORDINATOR:
                cluster.place(coordinator, ops.BACK_OFFICE, area=area, server=server, now=NOW)
        yield Worlds(single, coordinator, urls, folders, placed, story, demo.staff)
    finally:
        coordinator.dispose()
        for made in (server_engine, own_tables_engine):
            for url in (*urls.values(), _pg_server.url_for(coordinator_db)):
                made(url).dispose()
            made.cache_clear()
        _pg_server.drop(single_db)
        _pg_server.drop(coordinator_db)
        for folder in folders.values():
            _stop_server(folder, remove=True)


def _status(engine: sa.Engine, today: date) -> dict[str, Any]:
    with session_scope(engine) as session:
        return _plain(status_uc.status(session, ops.BACK_OFFICE, today=today))


def _verify(engine: sa.Engine) -> list[Any]:
    with session_scope(engine) as session:
        return [_plain(v) for v in status_uc.verify(session, ops.BACK_OFFICE)]


def _stats(engine: sa.Engine) -> dict[str, Any]:
    with session_scope(engine) as session:
        return {
            "progress": _plain(stats_uc.progress(session, ops.BACK_OFFICE, by="region")),
            "destinations": _plain(stats_uc.destinations(session, ops.BACK_OFFICE)),
        }


LEDGER_BY_AREA = (
    "SELECT area_code, kind, COUNT(*), SUM(amount_fen) FROM ledger_entries"
    " GROUP BY area_code, kind ORDER BY area_code, kind"
)
BALANCES = (
    "SELECT area_code, status, COUNT(*), SUM(balance_fen) FROM lines"
    " GROUP BY area_code, status ORDER BY area_code, status"
)
SNAPSHOTS = "SELECT * FROM stats_snapshots ORDER BY 1, 2, 3, 4, 5"


def test_the_networks_are_spread_over_three_servers(worlds: Worlds) -> None:
    states = cluster.status(worlds.coordinator, ops.BACK_OFFICE, today=LAST_DAY)
    held = {s.name: {n.area_code for n in s.networks} for s in states}
    assert held == {
        server: {a for a, on in worlds.placed.items() if on == server}
        for server in (COORDINATOR, "s1", "s2")
    }
    for state in states:
        assert state.reachable and state.lines > 0
        assert all(n.done_through == LAST_DAY and n.lag_days == 0 for n in state.networks)
    # The data servers hold their networks' rows in their own tables, nobody else's.
    for name, url in worlds.servers.items():
        mine = {a for a, on in worlds.placed.items() if on == name}
        found = {
            str(a) for (a,) in rows_of(server_engine(url), "SELECT DISTINCT area_code FROM lines")
        }
        assert found == mine
        ledger = {
            str(a)
            for (a,) in rows_of(server_engine(url), "SELECT DISTINCT area_code FROM ledger_entries")
        }
        assert ledger == mine


def test_status_verify_and_stats_are_those_of_one_server(worlds: Worlds) -> None:
    assert worlds.story.money is not None
    assert _status(worlds.coordinator, LAST_DAY) == _status(worlds.single, LAST_DAY)
    assert _status(worlds.coordinator, LAST_DAY)["money"] == _plain(worlds.story.money)
    assert _verify(worlds.coordinator) == _verify(worlds.single) == []
    assert _stats(worlds.coordinator) == _stats(worlds.single)
    for query in (LEDGER_BY_AREA, BALANCES, SNAPSHOTS):
        assert rows_of(worlds.coordinator, query) == rows_of(worlds.single, query)


def test_writes_through_the_coordinator_land_on_the_network_s_server(worlds: Worlds) -> None:
    day = LAST_DAY + timedelta(days=1)
    prepaid = (
        "SELECT area_code, number FROM lines WHERE prepaid AND status = 'active'"
        " AND network_code = 'phs'"
        " ORDER BY area_code, id"
    )
    first_of: dict[str, str] = {}
    for area, number in rows_of(worlds.single, prepaid):
        first_of.setdefault(str(area), str(number))
    one_each = {number: area for area, number in first_of.items()}
    assert {worlds.placed[a] for a in one_each.values()} == {COORDINATOR, "s1", "s2"}
    for engine in (worlds.single, worlds.coordinator):
        with session_scope(engine, write=True) as session:
            answers = [
                ops.top_up(
                    session, worlds.staff, number=n, amount_fen=5_000, day=day, key=f"cl:{n}"
                )
                for n in sorted(one_each)
            ]
        assert answers.count(None) >= 3
    for query in (LEDGER_BY_AREA, BALANCES):
        assert rows_of(worlds.coordinator, query) == rows_of(worlds.single, query)
    for area in one_each.values():
        if worlds.placed[area] != COORDINATOR:
            here = server_engine(worlds.servers[worlds.placed[area]])
            keyed = rows_of(here, f"SELECT COUNT(*) FROM ledger_keys WHERE area_code = '{area}'")
            assert keyed[0][0] > 0


def test_the_cycle_on_each_server_gives_the_answers_of_one_server(worlds: Worlds) -> None:
    reports = [
        batch.run_cycle(engine, ops.BACK_OFFICE, until=AFTER, now=NOW, workers=2)
        for engine in (worlds.single, worlds.coordinator)
    ]
    assert reports[1].months == reports[0].months
    assert sum(m.charges for a in reports[0].months.values() for m in a.values()) > 0
    assert _status(worlds.coordinator, AFTER) == _status(worlds.single, AFTER)
    assert _verify(worlds.coordinator) == []
    for query in (LEDGER_BY_AREA, BALANCES, SNAPSHOTS):
        assert rows_of(worlds.coordinator, query) == rows_of(worlds.single, query)


def test_a_server_down_stops_only_its_networks_and_a_rerun_finishes_them(
    worlds: Worlds,
) -> None:
    until = AFTER + timedelta(days=61)
    _stop_server(worlds.folders["s2"], remove=False)
    try:
        with pytest.raises(OperationRefusedError) as refused:
            batch.run_cycle(worlds.coordinator, ops.BACK_OFFICE, until=until, now=NOW, workers=2)
        down = sorted(a for a, on in worlds.placed.items() if on == "s2")
        assert refused.value.code == "SERVER_DOWN"
        assert refused.value.details["down"] == {"s2": down}
        assert all(area in str(refused.value) for area in down)
        states = {
            s.name: s for s in cluster.status(worlds.coordinator, ops.BACK_OFFICE, today=until)
        }
        assert not states["s2"].reachable and states["s2"].error
        assert all(n.done_through == until for n in states["s1"].networks)
        assert all(n.done_through == until for n in states[COORDINATOR].networks)
    finally:
        server_engine(worlds.servers["s2"]).dispose()
        _start_server(worlds.folders["s2"])
    batch.run_cycle(worlds.coordinator, ops.BACK_OFFICE, until=until, now=NOW, workers=2)
    batch.run_cycle(worlds.single, ops.BACK_OFFICE, until=until, now=NOW, workers=2)
    states = cluster.status(worlds.coordinator, ops.BACK_OFFICE, today=until)
    assert all(n.done_through == until for s in states for n in s.networks)
    for query in (LEDGER_BY_AREA, BALANCES):
        assert rows_of(worlds.coordinator, query) == rows_of(worlds.single, query)
    assert _verify(worlds.coordinator) == []


def test_a_network_moves_back_and_refusals_name_what_is_wrong(
    worlds: Worlds, _pg_server: _PgServer
) -> None:
    area = next(a for a, on in worlds.placed.items() if on == "s1")
    before = rows_of(worlds.coordinator, BALANCES)
    back = cluster.place(
        worlds.coordinator, ops.BACK_OFFICE, area=area, server=COORDINATOR, now=NOW
    )
    assert back.moved_from == "s1" and back.rows["lines"] > 0
    assert rows_of(worlds.coordinator, BALANCES) == before
    assert rows_of(
        server_engine(worlds.servers["s1"]),
        f"SELECT COUNT(*) FROM lines WHERE area_code = '{area}'",
    ) == [(0,)]
    cluster.place(worlds.coordinator, ops.BACK_OFFICE, area=area, server="s1", now=NOW)
    assert rows_of(worlds.coordinator, BALANCES) == before
    assert _verify(worlds.coordinator) == []

    refusals = [
        (
            lambda: cluster.place(
                worlds.coordinator, ops.BACK_OFFICE, area="0999", server="s1", now=NOW
            ),
            "area",
        ),
        (
            lambda: cluster.place(
                worlds.coordinator, ops.BACK_OFFICE, area=area, server="s9", now=NOW
            ),
            "server",
        ),
        (
            lambda: cluster.add_server(
                worlds.coordinator,
                ops.BACK_OFFICE,
                name="Bad Name",
                url=worlds.servers["s1"],
                now=NOW,
            ),
            "name",
        ),
        (
            lambda: cluster.add_server(
                worlds.coordinator, ops.BACK_OFFICE, name="s3", url=worlds.servers["s1"], now=NOW
            ),
            None,
        ),
    ]
    for attempt, field in refusals:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.field == field, refused.value
    # A data server must start empty: one holding lines is refused, named.
    with pytest.raises(OperationRefusedError) as not_empty:
        cluster.add_server(
            worlds.coordinator,
            ops.BACK_OFFICE,
            name="s3",
            url=worlds.single.url.render_as_string(hide_password=False),
            now=NOW,
        )
    assert not_empty.value.code == "SERVER_NOT_EMPTY"


IMPORTED = date(2013, 6, 1)
PREPARED = "SELECT gid FROM pg_prepared_xacts ORDER BY 1"


def _new_lines(
    engine: sa.Engine, areas: list[str], each: int, tag: str, *, past: int = 0
) -> list[dict[str, str]]:
    """Rows of new PHS lines, ``each`` in every one of ``areas``: numbers ``past`` beyond the
    highest of the area's, of an operator that runs PHS there."""
    rows: list[dict[str, str]] = []
    for area in areas:
        ((number, operator),) = rows_of(
            engine,
            "SELECT number, operator_code FROM lines WHERE network_code = 'phs'"
            f" AND area_code = '{area}' ORDER BY number DESC LIMIT 1",
        )
        national = int(str(number).removeprefix("+86"))
        rows += [
            line_row(
                number=f"0{national + 1 + past + k}",
                area_code=area,
                operator=str(operator),
                customer_id=f"{tag}{area}-{k}",
            )
            for k in range(each)
        ]
    return rows


def _import(engine: sa.Engine, path: Path) -> Any:
    with session_scope(engine, write=True) as session:
        return batch.import_lines(session, ops.BACK_OFFICE, path=path, today=IMPORTED, now=NOW)


def _on_server(worlds: Worlds, server: str, query: str) -> list[Any]:
    return rows_of(server_engine(worlds.servers[server]), query)


def test_an_import_writes_each_network_on_its_server_all_or_none(
    worlds: Worlds, tmp_path: Path
) -> None:
    areas = sorted(worlds.placed)
    assert {worlds.placed[a] for a in areas} == {COORDINATOR, "s1", "s2"}
    rows = _new_lines(worlds.single, areas, 3, "IMP")
    good = write_csv(tmp_path / "new.csv", rows)
    # One bad row (a negative fee, in a network on s2) refuses the file on every server.
    at = next(i for i, r in enumerate(rows) if worlds.placed[r["area_code"]] == "s2")
    spoiled = [*rows[:at], {**rows[at], "monthly_fee": "-5"}, *rows[at + 1 :]]
    bad = write_csv(tmp_path / "bad.csv", spoiled)
    before = rows_of(worlds.coordinator, BALANCES)
    with pytest.raises(ImportRejectedError) as refused:
        _import(worlds.coordinator, bad)
    assert [(e.column, e.value) for e in refused.value.errors] == [("monthly_fee", "-5")]
    assert rows_of(worlds.coordinator, BALANCES) == before
    for server in ("s1", "s2"):
        assert _on_server(worlds, server, PREPARED) == []

    answers = [_import(engine, good) for engine in (worlds.single, worlds.coordinator)]
    assert answers[1].imported == answers[0].imported == len(rows)
    assert answers[1].opening_entries == answers[0].opening_entries > 0
    for query in (LEDGER_BY_AREA, BALANCES):
        assert rows_of(worlds.coordinator, query) == rows_of(worlds.single, query)
    assert _verify(worlds.coordinator) == []
    for server in ("s1", "s2"):
        held = sorted(a for a, on in worlds.placed.items() if on == server)
        new = _on_server(
            worlds,
            server,
            "SELECT DISTINCT area_code FROM lines WHERE customer_ref LIKE 'IMP%' ORDER BY 1",
        )
        assert [a for (a,) in new] == held
        assert _on_server(worlds, server, PREPARED) == []
    # The same file again is refused on the coordinator, named.
    with pytest.raises(DomainError) as again:
        _import(worlds.coordinator, good)
    assert again.value.code == "IMPORT_DUPLICATE_FILE"


def test_an_import_a_server_missed_the_end_of_is_settled_by_the_next_job(
    worlds: Worlds, tmp_path: Path
) -> None:
    """s2 stops between its share's PREPARE and the coordinator's end: where the coordinator
    committed, the next job commits s2's share; where it did not, the next job undoes it."""
    areas = sorted(worlds.placed)
    on_s2 = sorted(a for a, on in worlds.placed.items() if on == "s2")
    kept = write_csv(tmp_path / "kept.csv", _new_lines(worlds.single, areas, 2, "KEPT"))
    lost = write_csv(tmp_path / "lost.csv", _new_lines(worlds.single, areas, 2, "LOST", past=10))
    _import(worlds.single, kept)
    tagged = "SELECT COUNT(*) FROM lines WHERE customer_ref LIKE '{}%'"

    def stopped_at_the_end(path: Path, *, commit: bool) -> None:
        try:
            with session_scope(worlds.coordinator, write=True) as session:
                batch.import_lines(session, ops.BACK_OFFICE, path=path, today=IMPORTED, now=NOW)
                _stop_server(worlds.folders["s2"], remove=False)
                if not commit:
                    raise RuntimeError("the process ends here")
        except RuntimeError:
            assert not commit
        finally:
            server_engine(worlds.servers["s2"]).dispose()
            _start_server(worlds.folders["s2"])

    stopped_at_the_end(kept, commit=True)
    assert len(_on_server(worlds, "s2", PREPARED)) == 1
    assert _on_server(worlds, "s2", tagged.format("KEPT")) == [(0,)]
    # The next import settles it first: the coordinator committed, so s2's share commits.
    stopped_at_the_end(lost, commit=False)
    assert _on_server(worlds, "s2", tagged.format("KEPT")) == [(2 * len(on_s2),)]
    assert len(_on_server(worlds, "s2", PREPARED)) == 1
    assert _on_server(worlds, "s1", PREPARED) == []
    assert _on_server(worlds, "s1", tagged.format("LOST")) == [(0,)]

    # The next job (the cycle, with nothing to do) undoes the other: no batch on the coordinator.
    for engine in (worlds.coordinator, worlds.single):
        batch.run_cycle(engine, ops.BACK_OFFICE, until=IMPORTED, now=NOW)
    assert _on_server(worlds, "s2", PREPARED) == []
    assert _on_server(worlds, "s2", tagged.format("LOST")) == [(0,)]
    assert rows_of(worlds.coordinator, tagged.format("LOST")) == [(0,)]
    for query in (LEDGER_BY_AREA, BALANCES):
        assert rows_of(worlds.coordinator, query) == rows_of(worlds.single, query)
    assert _verify(worlds.coordinator) == []


PORTS = (
    "SELECT area_code, state, COUNT(*) FROM port_requests GROUP BY area_code, state"
    " ORDER BY area_code, state"
)
HOLDS = (
    "SELECT area_code, state, COUNT(*) FROM number_holds GROUP BY area_code, state"
    " ORDER BY area_code, state"
)
REFUNDS = "SELECT area_code, COUNT(*), SUM(amount_fen) FROM refunds GROUP BY 1 ORDER BY 1"


def _port(session: Any, agent: Any, number: str, day: date) -> str | None:
    """A customer takes a mobile number to China Mobile: asked, authorised, validated; the
    refusal's reason, if any."""
    now = datetime.combine(day, datetime.min.time()) + timedelta(hours=9)
    asked = porting_uc.request(
        session, agent, number=number, to="mobile/gsm", now=now, role="customer"
    )
    if asked.auth_code is None:
        return str(asked.refused)
    later = now + timedelta(minutes=10)
    porting_uc.authorise(
        session, agent, number=number, code=asked.auth_code, now=later, role="recipient mobile"
    )
    done = porting_uc.validate(session, agent, number=number, now=later)
    return None if done.refused is None else str(done.refused)


RULES_2013 = """
rule_sets:
  - id: test-2013
    name: Porting of the migrated lines' mobile numbers, from 2013 (this test's)
    regions: ["010", "023"]
    valid_from: 2013-01-01
    same_local_network_only: true
    min_days_since_join_or_port: 0
    directions:
      - from: [telecom/cdma2000, unicom/wcdma]
        to: [mobile/gsm]
"""


def test_closings_and_ports_through_the_coordinator_match_one_server(
    worlds: Worlds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The back office's batch of lines given up and the porting run write through the
    coordinator's parents (postgres_fdw to each network's server), as on one server."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_2013, encoding="utf-8")
    monkeypatch.setenv("SUNSET_PORTING_RULES_FILE", str(rules))
    get_settings.cache_clear()
    try:
        day = IMPORTED + timedelta(days=1)
        live: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
        for area, network, line_id, number, operator in rows_of(
            worlds.single,
            "SELECT area_code, network_code, id, number, operator_code FROM lines"
            " WHERE status = 'active' AND customer_ref NOT LIKE 'IMP%'"
            " AND customer_ref NOT LIKE 'KEPT%'"  # the demo's lines: the same ids on both
            " ORDER BY area_code, network_code, id",
        ):
            live.setdefault((str(area), str(network)), []).append(
                (int(line_id), str(number), str(operator))
            )
        phs = {a: lines for (a, network), lines in live.items() if network == "phs"}
        assert {worlds.placed[a] for a in phs} == {COORDINATOR, "s1", "s2"}
        closing = {a: [i for i, _, _ in lines[:2]] for a, lines in phs.items()}
        # Numbers a porting rule lets go that day (the lines that moved to a mobile network).
        porting = [
            (area, number[3:])
            for (area, network), lines in sorted(live.items())
            if ops.porting_regions([area], network=network, day=day)
            for _, number, _ in lines[-2:]
        ]
        assert {worlds.placed[n] for n in ("010", "023")} - {COORDINATOR}
        outcomes = []
        for engine in (worlds.single, worlds.coordinator):
            with session_scope(engine, write=True) as session:
                closed = [
                    ops.close(session, area_code=a, line_ids=ids, day=day)
                    for a, ids in sorted(closing.items())
                ]
            with session_scope(engine, write=True) as session:
                asked = [
                    _port(session, worlds.staff.of(Role.AGENT, area), number, day)
                    for area, number in porting
                ]
            with session_scope(engine, write=True) as session:
                done = ops.complete_ports(session, now=NOW.replace(year=2013, month=6, day=9))
            outcomes.append(([dataclasses.asdict(c) for c in closed], asked, done))
        for one, spread in zip(outcomes[0], outcomes[1], strict=True):
            assert spread == one
        assert sum(c["lines"] for c in outcomes[0][0]) == 2 * len(closing)
        assert outcomes[0][2] > 0
        for query in (LEDGER_BY_AREA, BALANCES, PORTS, HOLDS, REFUNDS):
            assert rows_of(worlds.coordinator, query) == rows_of(worlds.single, query)
        assert _verify(worlds.coordinator) == []
    finally:
        get_settings.cache_clear()  # the rules file is this test's only


def test_an_upgrade_migrates_every_server_and_makes_the_parents_again(worlds: Worlds) -> None:
    coordinator_url = worlds.coordinator.url.render_as_string(hide_password=False)
    s1 = server_engine(worlds.servers["s1"])
    command.downgrade(alembic_config(s1), "0019")  # s1 missed the last migration
    states = {
        s.name: s for s in cluster.status(worlds.coordinator, ops.BACK_OFFICE, today=IMPORTED)
    }
    assert (states["s1"].revision, states[COORDINATOR].revision) == ("0019", "0020")
    answers = {q: rows_of(worlds.single, q) for q in (LEDGER_BY_AREA, BALANCES, SNAPSHOTS)}

    done = cluster.upgrade(worlds.coordinator, ops.BACK_OFFICE, now=NOW)
    assert done.revisions == {
        "s1": ("0019", "0020"),
        "s2": ("0020", "0020"),
        COORDINATOR: ("0020", "0020"),
    }
    for query, answer in answers.items():
        assert rows_of(worlds.coordinator, query) == answer
    assert _verify(worlds.coordinator) == []

    # A coordinator behind is not migrated by whatever opens it, and a migration that fails
    # (0020 again, its tables there already) leaves its parents as they were.
    version = "UPDATE public.alembic_version SET version_num = '{}'"
    with worlds.coordinator.begin() as connection:
        connection.exec_driver_sql(version.format("0019"))
    try:
        with pytest.raises(OperationRefusedError) as behind:
            make_engine(coordinator_url)
        assert behind.value.code == "CLUSTER_NEEDS_UPGRADE"
        assert "sunset cluster upgrade" in str(behind.value)
        with pytest.raises(sa.exc.ProgrammingError, match="cluster_servers"):
            cluster.upgrade(worlds.coordinator, ops.BACK_OFFICE, now=NOW)
        for query, answer in answers.items():
            assert rows_of(worlds.coordinator, query) == answer
    finally:
        with worlds.coordinator.begin() as connection:
            connection.exec_driver_sql(version.format("0020"))


def _sunset(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command on ``url``."""
    return subprocess.run(
        [sys.executable, "-m", "sunset", *args],
        env={**os.environ, "SUNSET_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cluster_commands(worlds: Worlds) -> None:
    url = worlds.coordinator.url.render_as_string(hide_password=False)
    done = _sunset(url, "cluster", "status", "--json", "--today", "2013-01-01")
    assert done.returncode == 0, done.stderr
    servers = {s["server"]: s for s in json.loads(done.stdout)}
    assert set(servers) == {COORDINATOR, "s1", "s2"}
    assert all(s["reachable"] and s["size_bytes"] > 0 for s in servers.values())
    assert {s["schema"] for s in servers.values()} == {"0020"}
    assert {n["area_code"] for n in servers["s1"]["networks"]} == {
        a for a, on in worlds.placed.items() if on == "s1"
    }
    upgraded = _sunset(url, "cluster", "upgrade", "--json")
    assert upgraded.returncode == 0, upgraded.stderr
    assert json.loads(upgraded.stdout) == {
        s: {"before": "0020", "after": "0020"} for s in (COORDINATOR, "s1", "s2")
    }
    bad = _sunset(url, "cluster", "place", "0551", "nowhere", "--json")
    assert bad.returncode != 0
    assert "no server nowhere" in bad.stdout + bad.stderr


def test_a_month_is_archived_on_every_server_at_once(worlds: Worlds) -> None:
    """`sunset ledger archive` on a coordinator takes the month out of every server's ledger in
    one two-phase transaction; the ledger then reads as on one server that archived it."""
    done = []
    for engine in (worlds.single, worlds.coordinator):
        with session_scope(engine, write=True) as session:
            done.append(
                batch.archive_month(session, ops.BACK_OFFICE, month=date(2011, 1, 1), now=NOW)
            )
    one, spread = done
    assert (spread.entries, spread.amount_fen, spread.brought_forward) == (
        one.entries,
        one.amount_fen,
        one.brought_forward,
    )
    assert one.entries > 0 and not spread.already
    for query in (LEDGER_BY_AREA, BALANCES):
        assert rows_of(worlds.coordinator, query) == rows_of(worlds.single, query)
    assert _verify(worlds.coordinator) == []
    for server in ("s1", "s2"):
        assert _on_server(worlds, server, PREPARED) == []
        archived = _on_server(
            worlds, server, "SELECT COUNT(*) FROM ledger_archive.ledger_entries_p201101"
        )
        assert archived[0][0] > 0
        assert _on_server(
            worlds, server, "SELECT COUNT(*) FROM ledger_entries WHERE period = 201101"
        ) == [(0,)]
    with session_scope(worlds.coordinator, write=True) as session:
        again = batch.archive_month(session, ops.BACK_OFFICE, month=date(2011, 1, 1), now=NOW)
    assert again.already and again.entries == one.entries
