"""`sunset cluster add-server|place|status|upgrade`: local networks on several PostgreSQL
servers."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine

from sunset.access.rules import Actor
from sunset.config import get_settings
from sunset.db import default_engine, make_engine, session_scope
from sunset.usecases import cluster

from .common import acting, console, explained, now_option, print_json, today_option, working

app = typer.Typer(
    help="Local networks on several PostgreSQL servers: this database coordinates, data "
    "servers hold their networks' lines and ledger (postgres_fdw)."
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NowOption = Annotated[
    str | None, typer.Option("--now", help="When (YYYY-MM-DDTHH:MM; default now).")
]


def _actor(engine: Engine | None = None) -> Actor:
    with session_scope(engine) as session:
        return acting(session)


def _as_it_is() -> Engine:
    """This database without migrating it: a coordinator behind is upgraded by `upgrade`."""
    return make_engine(get_settings().database_url, migrate=False)


@app.command("add-server")
def add_server_command(
    url: Annotated[
        str, typer.Argument(help="The data server's database (postgresql+psycopg://...).")
    ],
    name: Annotated[str, typer.Option("--name", help="What the cluster calls it (s1, beijing_a).")],
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an empty PostgreSQL database as a data server: migrated, its ids in a block of their
    own, reached by this database (the coordinator) through postgres_fdw."""
    at = now_option(now)
    with explained(as_json=as_json, names={"name": "--name", "url": "URL"}):
        added = cluster.add_server(default_engine(), _actor(), name=name, url=url, now=at)
    payload = {"name": added.name, "url": added.url, "block": added.block, "already": added.already}
    if as_json:
        print_json(payload)
    elif added.already:
        console.print(f"{added.name} ({added.url}) was already in the cluster; nothing done.")
    else:
        console.print(
            f"{added.name} added ({added.url}); its ids start at block {added.block}. Place "
            f"local networks on it with `sunset cluster place AREA {added.name}`.",
            soft_wrap=True,
            highlight=False,
        )


@app.command("place")
def place_command(
    area: Annotated[str, typer.Argument(help="The local network (its area code).")],
    server: Annotated[str, typer.Argument(help="A data server's name, or 'coordinator'.")],
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a local network's lines, ledger and history to a server; its writers wait while it
    moves."""
    at = now_option(now)
    with (
        explained(as_json=as_json, names={"area": "AREA", "server": "SERVER"}),
        working(f"Moving {area} to {server}"),
    ):
        placed = cluster.place(default_engine(), _actor(), area=area, server=server, now=at)
    payload = {
        "area_code": placed.area_code,
        "server": placed.server,
        "moved_from": placed.moved_from,
        "rows": placed.rows,
        "already": placed.already,
    }
    if as_json:
        print_json(payload)
    elif placed.already:
        left = ", ".join(f"{n:,} lines left on {s}" for s, n in placed.rows.items())
        console.print(
            f"{area} is on {server} already" + (f"; removed {left}." if left else "; nothing done.")
        )
    else:
        console.print(
            f"{area} moved from {placed.moved_from} to {server}: "
            f"{placed.rows.get('lines', 0):,} lines, "
            f"{placed.rows.get('ledger_entries', 0):,} ledger entries.",
            highlight=False,
        )


@app.command("status")
def status_command(
    today: Annotated[
        str | None, typer.Option("--today", help="The day lags are counted to (default today).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Each server: its local networks, their lines, how far each one's cycle has run."""
    day = today_option(today)
    engine = _as_it_is()
    with explained(as_json=as_json):
        states = cluster.status(engine, _actor(engine), today=day)
    rows = [
        {
            "server": s.name,
            "url": s.url,
            "reachable": s.reachable,
            "error": s.error,
            "size_bytes": s.size_bytes,
            "schema": s.revision,
            "lines": s.lines,
            "networks": [
                {
                    "area_code": n.area_code,
                    "lines": n.lines,
                    "done_through": n.done_through.isoformat() if n.done_through else None,
                    "lag_days": n.lag_days,
                }
                for n in s.networks
            ],
        }
        for s in states
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("server", "network", "lines", "cycle done through", "lag (days)")
    for s in states:
        size = f", {s.size_bytes / 2**30:.1f} GiB" if s.size_bytes is not None else ""
        size += f", schema {s.revision}" if s.revision else ""
        head = f"{s.name}{size}" if s.reachable else f"{s.name} DOWN: {s.error}"
        if not s.networks:
            table.add_row(head, "-", "0", "-", "-")
        for i, n in enumerate(s.networks):
            table.add_row(
                head if i == 0 else "",
                n.area_code,
                f"{n.lines:,}" if s.reachable else "?",
                str(n.done_through or "-"),
                "-" if n.lag_days is None else str(n.lag_days),
            )
    console.print(table)


@app.command("upgrade")
def upgrade_command(now: NowOption = None, as_json: JsonOption = False) -> None:
    """Bring every server's schema to this version of sunset: the data servers, then this
    database (the coordinator), its parents made again over the migrated tables."""
    at = now_option(now)
    engine = _as_it_is()
    with explained(as_json=as_json), working("Upgrading the cluster's schema"):
        done = cluster.upgrade(engine, _actor(engine), now=at)
    if as_json:
        print_json({s: {"before": b, "after": a} for s, (b, a) in done.revisions.items()})
        return
    for server, (before, after) in done.revisions.items():
        said = "already at" if before == after else f"from {before} to"
        console.print(f"{server}: {said} {after}", highlight=False)


def register(root: typer.Typer) -> None:
    """Add `cluster` to the top-level command."""
    root.add_typer(app, name="cluster")
