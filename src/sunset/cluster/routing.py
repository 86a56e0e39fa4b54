"""Which server writes which local network: the batch jobs' side of the cluster."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from sunset.cluster import layout
from sunset.cluster.models import ClusterPlacement, ClusterServer
from sunset.db import make_engine, session_scope, table_of
from sunset.errors import OperationRefusedError

T = TypeVar("T")


@lru_cache(maxsize=32)
def server_engine(url: str) -> Engine:
    """The engine of a data server, made once a process (its schema is migrated by
    ``cluster add-server`` and by ``sunset cluster upgrade``, not on every connection)."""
    return make_engine(url, migrate=False)


@lru_cache(maxsize=8)
def own_tables_engine(url: str) -> Engine:
    """The coordinator's engine for its own local networks: its sessions search ``public``
    only (its tables with their keys), as a data server's do."""
    return make_engine(url, migrate=False, search_path="public")


@dataclass(frozen=True)
class Layout:
    """Where each local network lives, as the coordinator says."""

    coordinator: Engine
    servers: dict[str, str] = field(default_factory=dict)  # name -> url
    placed: dict[str, str] = field(default_factory=dict)  # area -> server name

    @property
    def clustered(self) -> bool:
        return bool(self.servers)

    def server_of(self, area: str) -> str:
        return self.placed.get(area, layout.COORDINATOR)

    def engine_of(self, server: str) -> Engine:
        """The engine that writes a server's own networks (on the coordinator: its own tables,
        not the parents over every server)."""
        if server == layout.COORDINATOR:
            if not self.clustered:
                return self.coordinator
            return own_tables_engine(self.coordinator.url.render_as_string(hide_password=False))
        return server_engine(self.servers[server])

    def engine_for(self, area: str) -> Engine:
        """The engine that writes ``area``'s rows: its data server's, else the coordinator's."""
        return self.engine_of(self.server_of(area))

    def by_server(self, areas: Iterable[str]) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for area in areas:
            grouped.setdefault(self.server_of(area), []).append(area)
        return grouped

    def interleaved(self, areas: Sequence[str]) -> list[str]:
        """``areas`` in their order within each server, taking a server in turn, so that the
        first networks at once are on different servers."""
        queues = list(self.by_server(areas).values())
        out: list[str] = []
        while any(queues):
            for queue in queues:
                if queue:
                    out.append(queue.pop(0))
        return out


def layout_of(engine: Engine) -> Layout:
    """Read the coordinator's servers and placements (none on SQLite or a single server)."""
    if engine.dialect.name != "postgresql":
        return Layout(engine)
    with session_scope(engine) as session:
        return layout_in(session)


def layout_in(session: Session, *, steady: bool = False) -> Layout:
    """Read the coordinator's servers and placements in ``session``'s transaction; ``steady``:
    no network is placed elsewhere until it ends (``cluster place`` waits)."""
    if steady:
        layout.keep_placements(session.connection())
    servers = {
        str(n): str(u)
        for n, u in session.execute(
            select(table_of(ClusterServer).c.name, table_of(ClusterServer).c.url)
        )
    }
    placed = {a: s for s, areas in held_by_server(session).items() for a in areas}
    return Layout(session.connection().engine, servers, placed)


def held_by_server(session: Session) -> dict[str, list[str]]:
    """The local networks placed on each data server."""
    held: dict[str, list[str]] = {}
    placements = table_of(ClusterPlacement)
    for area, server in session.execute(
        select(placements.c.area_code, placements.c.server_name).order_by(placements.c.area_code)
    ):
        held.setdefault(str(server), []).append(str(area))
    return held


def is_down(error: BaseException) -> bool:
    """Whether an error says a server cannot be reached (its networks wait for a rerun)."""
    return isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def said(error: DBAPIError) -> str:
    """The driver's first line of a database error (where a server's refusal says why)."""
    return str(error.orig).splitlines()[0] if error.orig else str(error)


@dataclass
class Reach:
    """The servers a batch job could not reach, and why: their networks wait for a rerun."""

    down: dict[str, str] = field(default_factory=dict)  # server -> the error, in words

    def ready(self, plan: Layout, areas: Sequence[str]) -> list[str]:
        return [a for a in areas if plan.server_of(a) not in self.down]

    def note(self, server: str, error: DBAPIError) -> None:
        """Note a server down (raise any other error, and any of the coordinator's)."""
        if server == layout.COORDINATOR or not is_down(error):
            raise error
        self.down.setdefault(server, said(error))

    def refuse_if_any(self, plan: Layout, *, done: str) -> None:
        """Refuse, after the rest of the job, naming the networks a server down kept back."""
        if not self.down:
            return
        held = {s: sorted(a for a, on in plan.placed.items() if on == s) for s in self.down}
        parts = [
            f"{server} ({self.down[server]}): {', '.join(held[server]) or 'no network'}"
            for server in sorted(self.down)
        ]
        raise OperationRefusedError(
            f"server(s) down, their local networks not done: {'; '.join(parts)}. {done} Run it"
            " again when they are back: what was done is not done twice.",
            code="SERVER_DOWN",
            details={"down": held},
        )


def on_each_server(
    plan: Layout,
    areas: Sequence[str],
    work: Callable[[Engine, list[str]], None],
    reach: Reach,
) -> None:
    """Run ``work`` once on each server holding some of ``areas`` and not known down; a server
    that cannot be reached is noted in ``reach``."""
    for server, held in plan.by_server(areas).items():
        if server in reach.down:
            continue
        try:
            work(plan.engine_of(server), held)
        except DBAPIError as error:
            reach.note(server, error)


def survey(plan: Layout, reach: Reach) -> list[str]:
    """The local networks with lines on each server that answers, most lines first, a server in
    turn; each data server given the coordinator's shared tables first (``share_reference``)."""
    counts: dict[str, int] = {}
    for server in [layout.COORDINATOR, *sorted(plan.servers)]:
        try:
            with plan.engine_of(server).connect() as connection:
                held = layout.areas_held(connection)
        except DBAPIError as error:
            reach.note(server, error)
            continue
        counts.update({a: n for a, n in held.items() if plan.server_of(a) == server})
    share_reference(plan, plan.servers, reach)
    return plan.interleaved(sorted(counts, key=lambda a: (-counts[a], a)))


def share_reference(plan: Layout, servers: Iterable[str], reach: Reach) -> None:
    """Copy the coordinator's shared reference tables to data servers not known down (in one
    transaction each), so that their batch jobs read today's plans, networks and sites; a
    server that cannot be reached is noted in ``reach``."""
    if not plan.clustered:
        return
    with plan.coordinator.connect() as source:
        for server in servers:
            if server == layout.COORDINATOR or server in reach.down:
                continue
            try:
                with plan.engine_of(server).begin() as target:
                    cleared = (*layout.SHARED, *layout.CLEARED_WITH_SHARED)
                    target.exec_driver_sql("TRUNCATE " + ", ".join(f"public.{t}" for t in cleared))
                    layout.copy_rows(source, target, layout.SHARED)
            except DBAPIError as error:
                reach.note(server, error)
