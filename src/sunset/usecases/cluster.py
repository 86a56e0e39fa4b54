"""Several PostgreSQL servers (``sunset cluster``): add a data server, place a local network on
it (its rows moved there), and what each server holds and how far its cycle has run.

The cluster's shape is ``cluster.layout``'s; these are the steps people take, each checked
(an administrator of every operator: a server holds every operator's lines), each audited.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.cluster import layout, twophase
from sunset.cluster.models import ClusterPlacement, ClusterServer
from sunset.cluster.routing import Layout, held_by_server, is_down, layout_of, said
from sunset.db import make_engine, session_scope, table_of
from sunset.db import upgrade as db_upgrade
from sunset.errors import (
    InputInvalidError,
    NotFoundError,
    OperationRefusedError,
)
from sunset.ledger.partitions import prepare_periods
from sunset.reference import repository as reference

from .common import audit, require_admin_of_every_operator


def _require_admin_of_all(actor: Actor, does: str) -> None:
    require_admin_of_every_operator(
        actor, because="a server holds every operator's lines", does=does
    )


def _refuse_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise OperationRefusedError(
            "a cluster is PostgreSQL servers coordinated by postgres_fdw: this database is "
            f"{engine.dialect.name}; run sunset on PostgreSQL (SUNSET_DATABASE_URL) first",
            code="CLUSTER_NEEDS_POSTGRESQL",
        )


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class ServerAdded:
    name: str
    url: str  # without its password
    block: int
    already: bool


def add_server(engine: Engine, actor: Actor, *, name: str, url: str, now: datetime) -> ServerAdded:
    """Add a data server: migrate its (empty) database, give its sequences a block of ids of
    their own, let the coordinator reach it through postgres_fdw, and make this database the
    coordinator (the first time). A server added before under the same URL is answered as it
    was."""
    _require_admin_of_all(actor, "adds servers")
    _refuse_sqlite(engine)
    layout.check_name(name)
    if not url.startswith("postgresql"):
        raise InputInvalidError(
            f"{_shown(url)} is not a PostgreSQL URL (postgresql+psycopg://...)", field="url"
        )
    with session_scope(engine) as session:
        known = session.get(ClusterServer, name)
        same_url = session.execute(
            select(table_of(ClusterServer).c.name).where(table_of(ClusterServer).c.url == url)
        ).scalar_one_or_none()
        blocks = session.execute(select(table_of(ClusterServer).c.block)).scalars().all()
        here = layout.identity(session.connection())
    if known is not None:
        if known.url == url:
            return ServerAdded(name, _shown(url), known.block, already=True)
        raise OperationRefusedError(
            f"a server named {name} is already in the cluster ({_shown(known.url)})",
            code="SERVER_EXISTS",
        )
    if same_url is not None:
        raise OperationRefusedError(
            f"{_shown(url)} is already in the cluster as {same_url}", code="SERVER_EXISTS"
        )
    try:
        remote = make_engine(url)  # brings its schema to head
        with remote.begin() as connection:
            if layout.identity(connection) == here:
                raise InputInvalidError(
                    f"{_shown(url)} is the coordinator's own database", field="url"
                )
            twophase.refuse_without_two_phase(connection, _shown(url), field="url")
            held = layout.areas_held(connection)
            if held:
                raise OperationRefusedError(
                    f"{_shown(url)} already holds {sum(held.values()):,} lines of "
                    f"{', '.join(sorted(held))}: a data server starts empty (its networks are "
                    "moved to it by `sunset cluster place`)",
                    code="SERVER_NOT_EMPTY",
                )
            block = max(blocks, default=0) + 1
            layout.give_ids_from(connection, block)
        remote.dispose()
    except DBAPIError as error:
        if not is_down(error):
            raise
        raise OperationRefusedError(
            f"cannot reach {_shown(url)}: {said(error)}",
            code="SERVER_UNREACHABLE",
        ) from error
    with session_scope(engine, write=True) as session:
        connection = session.connection()
        layout.coordinate(connection)
        if not blocks:  # the coordinator's own rows keep block 0
            layout.give_ids_from(connection, 0)
        layout.define_server(connection, name, url)
        session.add(
            ClusterServer(name=name, url=url, block=block, added_at=now, added_by=actor.name)
        )
        audit(
            session,
            actor,
            action="cluster.add_server",
            target=name,
            before=None,
            after={"url": _shown(url), "block": block},
            now=now,
        )
    engine.dispose()  # the pool's connections predate the coordinator's search path
    return ServerAdded(name, _shown(url), block, already=False)


@dataclass(frozen=True)
class Placed:
    area_code: str
    server: str
    moved_from: str
    rows: dict[str, int] = field(default_factory=dict)  # by table
    already: bool = False


def place(engine: Engine, actor: Actor, *, area: str, server: str, now: datetime) -> Placed:
    """Place a local network on a server (``coordinator`` for the coordinator itself): copy its
    rows there, switch the coordinator's partitions, delete them where they were.

    Writers of the source server wait while its rows are copied (its tables are locked in SHARE
    mode until the switch). A failure before the switch leaves the network where it was (a
    partial copy on the target, invisible, is deleted by the next try); a failure after it
    leaves rows on the old server that nothing reads, deleted by placing the network again.
    """
    _require_admin_of_all(actor, "places local networks")
    _refuse_sqlite(engine)
    plan = layout_of(engine)
    twophase.settle_in_doubt(plan)  # an import left prepared would hold the move
    with session_scope(engine) as session:
        if area not in reference.local_networks(session):
            raise NotFoundError(f"no local network {area}", field="area")
    if server != layout.COORDINATOR and server not in plan.servers:
        raise NotFoundError(
            f"no server {server} in the cluster (`sunset cluster status`; "
            f"`sunset cluster add-server`)",
            field="server",
        )
    source = plan.server_of(area)
    if source == server:
        rows = _delete_elsewhere(plan, area, keep=server)
        return Placed(area, server, source, rows, already=True)
    try:
        with ExitStack() as stack:
            session = stack.enter_context(session_scope(engine, write=True))
            coordinator = session.connection()
            # The coordinator's own rows are read, deleted and switched in its one transaction;
            # a data server's in a transaction of its own, committed after the switch.
            reading = (
                coordinator
                if source == layout.COORDINATOR
                else stack.enter_context(plan.engine_of(source).begin())
            )
            layout.lock_for_move(reading)
            if server == layout.COORDINATOR:
                # Off the data server's partitions first: the coordinator's own tables (the
                # default partitions) then take the network's rows.
                _switch(session, actor, area=area, server=server, source=source, now=now)
                prepare_periods(session, layout.ledger_periods(reading, area))
                rows = layout.copy_rows(
                    reading, coordinator, layout.DISTRIBUTED, where=AREA_ROWS, params=(area,)
                )
                layout.analyze(coordinator)
            else:
                rows = _copy_to(plan.engine_of(server), reading, area)
                if source == layout.COORDINATOR:
                    layout.delete_area(reading, area)
                _switch(session, actor, area=area, server=server, source=source, now=now)
            audit(
                session,
                actor,
                action="cluster.place",
                target=area,
                before={"server": source},
                after={"server": server, "rows": rows},
                now=now,
            )
            session.commit()
            if source != layout.COORDINATOR:
                layout.delete_area(reading, area)
    except DBAPIError as error:
        if not is_down(error):
            raise
        raise OperationRefusedError(
            f"{area} was not moved from {source} to {server}: {said(error)}; it stays on {source}",
            code="SERVER_DOWN",
        ) from error
    return Placed(area, server, source, rows)


AREA_ROWS = "WHERE area_code = %s"


def _copy_to(target: Engine, reading: Connection, area: str) -> dict[str, int]:
    """Copy a network's rows from ``reading``'s database to a data server's (committed there)."""
    with session_scope(target, write=True) as prepared:
        prepare_periods(prepared, layout.ledger_periods(reading, area))
    with target.begin() as writing:
        layout.delete_area(writing, area)  # what a move cut short left there
        rows = layout.copy_rows(
            reading, writing, layout.DISTRIBUTED, where=AREA_ROWS, params=(area,)
        )
        layout.analyze(writing)
        return rows


def _switch(
    session: Session, actor: Actor, *, area: str, server: str, source: str, now: datetime
) -> None:
    """Record the placement and give both servers' partitions their new lists."""
    placement = session.get(ClusterPlacement, area, with_for_update=True)
    if placement is not None:
        session.delete(placement)
        session.flush()
    if server != layout.COORDINATOR:
        session.add(
            ClusterPlacement(
                area_code=area, server_name=server, placed_at=now, placed_by=actor.name
            )
        )
    session.flush()
    held = held_by_server(session)
    for name in {server, source} - {layout.COORDINATOR}:
        layout.set_partitions(session.connection(), name, held.get(name, []))


def _delete_elsewhere(plan: Layout, area: str, *, keep: str) -> dict[str, int]:
    """Delete what a network left on servers other than its own (a move cut short)."""
    removed: dict[str, int] = {}
    for server in [layout.COORDINATOR, *plan.servers]:
        if server == keep:
            continue
        try:
            with plan.engine_of(server).begin() as connection:
                left = layout.lines_of(connection, area)
                if left:
                    layout.delete_area(connection, area)
                    removed[server] = left
        except DBAPIError as error:
            if not is_down(error):
                raise
    return removed


@dataclass(frozen=True)
class Upgraded:
    revisions: dict[str, tuple[str | None, str | None]]  # server -> (before, after)


def upgrade(engine: Engine, actor: Actor, *, now: datetime) -> Upgraded:
    """Bring every server's schema to this version of sunset: each data server first (a plain
    database), then the coordinator in one transaction: its parents taken away, its migrations
    run, its parents made again over the tables as they now are. A migration that fails leaves
    the coordinator as it was (PostgreSQL's DDL is transactional); the data servers already
    migrated stay so, and running it again finishes.

    ``engine`` must not migrate by itself (``make_engine(..., migrate=False)``): a coordinator
    behind refuses that (``CLUSTER_NEEDS_UPGRADE``).
    """
    _require_admin_of_all(actor, "upgrades the cluster")
    _refuse_sqlite(engine)
    plan = layout_of(engine)
    revisions: dict[str, tuple[str | None, str | None]] = {}
    for server, url in sorted(plan.servers.items()):
        try:
            with plan.engine_of(server).connect() as connection:
                before = layout.revision(connection)
            migrated = make_engine(url)  # a data server migrates as any database does
            with migrated.connect() as connection:
                revisions[server] = (before, layout.revision(connection))
            migrated.dispose()
        except DBAPIError as error:
            if not is_down(error):
                raise
            raise OperationRefusedError(
                f"server {server} cannot be reached ({said(error)}): the cluster is upgraded "
                "when every server is; "
                + (
                    f"{', '.join(sorted(revisions))} already are. "
                    if revisions
                    else "nothing was changed. "
                )
                + "Run it again once it is back.",
                code="SERVER_DOWN",
                details={"down": [server], "upgraded": sorted(revisions)},
            ) from error
    with engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL search_path = public")
        before = layout.revision(connection)
        held = plan.by_server(plan.placed)
        layout.unhook(connection)
        db_upgrade(engine, connection=connection)
        layout.rehook(connection, held)
        revisions[layout.COORDINATOR] = (before, layout.revision(connection))
    with session_scope(engine, write=True) as session:
        audit(
            session,
            actor,
            action="cluster.upgrade",
            target="cluster",
            before={s: r[0] for s, r in revisions.items()},
            after={s: r[1] for s, r in revisions.items()},
            now=now,
        )
    return Upgraded(revisions)


@dataclass(frozen=True)
class NetworkState:
    area_code: str
    lines: int
    done_through: date | None
    lag_days: int | None


@dataclass(frozen=True)
class ServerState:
    name: str
    url: str
    reachable: bool
    error: str | None
    size_bytes: int | None
    networks: list[NetworkState]
    revision: str | None = None  # its schema's migration

    @property
    def lines(self) -> int:
        return sum(n.lines for n in self.networks)


def status(engine: Engine, actor: Actor, *, today: date) -> list[ServerState]:
    """Each server (the coordinator first): its networks, their lines, how far each one's
    cycle has run and how far behind ``today`` that is, and its database's size; a server that
    cannot be reached is said so, with why."""
    access.require(actor, Permission.RUN_JOBS)
    _refuse_sqlite(engine)
    plan = layout_of(engine)
    states = []
    for server in [layout.COORDINATOR, *sorted(plan.servers)]:
        url = plan.servers.get(server) or engine.url.render_as_string()
        held = {a for a, s in plan.placed.items() if s == server}
        try:
            with plan.engine_of(server).connect() as connection:
                counts = layout.areas_held(connection)
                done = layout.checkpoints(connection)
                size = layout.database_size(connection)
                revision = layout.revision(connection)
        except DBAPIError as error:
            if server == layout.COORDINATOR or not is_down(error):
                raise
            states.append(
                ServerState(
                    server,
                    _shown(url),
                    False,
                    said(error),
                    None,
                    [NetworkState(a, 0, None, None) for a in sorted(held)],
                )
            )
            continue
        if server == layout.COORDINATOR:
            held = (set(counts) | set(done)) - set(plan.placed)
        networks = [
            NetworkState(
                a,
                counts.get(a, 0),
                done.get(a),
                (today - done[a]).days if done.get(a) else None,
            )
            for a in sorted(held)
        ]
        states.append(ServerState(server, _shown(url), True, None, size, networks, revision))
    return states
