"""The cluster's shape in PostgreSQL's own terms (postgres_fdw and declarative partitioning).

Every table with a row per line or per local network is *distributed*: its rows live on the
server that holds their local network. On the coordinator, schema ``sunset_cluster`` holds a
parent of the same name, partitioned by ``area_code``: its default partition is the
coordinator's own ``public`` table (the networks not placed elsewhere), and each data server
adds one ``postgres_fdw`` foreign table over its own ``public`` table, for the list of networks
it holds. The coordinator's database searches ``sunset_cluster`` first, so every query of the
application (status, verify, stats, the web) reads and writes through the parents, and
PostgreSQL sends each network's share to its server (aggregates pushed down per server).

The parents carry no unique index (PostgreSQL refuses one over foreign partitions): each
server's own tables keep their keys, which all lead with the local network, the distribution
column, so a key is unique in the cluster as it is on its server. There is no foreign key
between networks; the layout is the one Citus asks for (``ARCHITECTURE.md``).

The other tables are *reference* tables: the coordinator's are the truth, and the batch jobs
copy the ones they read (``SHARED``) to each data server before they write there, as Citus
replicates its reference tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from sunset.db import CLUSTER_SCHEMA
from sunset.errors import InputInvalidError

SCHEMA = CLUSTER_SCHEMA
DISTRIBUTED = (
    "customers",
    "lines",
    "number_holds",
    "exemptions",
    "ledger_entries",
    "ledger_keys",
    "ledger_totals",
    "ledger_brought_forward",
    "refunds",
    "cycle_progress",
    "notices_sent",
    "migrations",
    "port_requests",
    "port_events",
    "complaints",
    "stats_snapshots",
    "stats_flows",
    "stats_departures",
)
# What the batch jobs read besides their networks' rows, copied to each data server as a whole
# (parents before the tables that refer to them).
SHARED = (
    "operators",
    "networks",
    "local_networks",
    "network_operators",
    "retirement_plans",
    "import_batches",
    "base_stations",
    "site_status_changes",
    "site_outages",
    "public_notices",
)
# Tables on a data server that refer to the shared ones and are never used there: emptied with
# them (PostgreSQL truncates no table another refers to alone).
CLEARED_WITH_SHARED = ("comments", "auth_tokens", "users")
ID_BLOCK_BITS = 40  # ids a server gives: [block << 40 + 1, (block + 1) << 40]
NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
COORDINATOR = "coordinator"


def check_name(name: str) -> str:
    """Refuse a server name that is not a short identifier, or the coordinator's own."""
    if not NAME.match(name) or name == COORDINATOR:
        raise InputInvalidError(
            f"server name {name!r}: lower-case letters, digits and _ (at most 31, starting with a"
            f" letter), not {COORDINATOR!r}",
            field="name",
        )
    return name


def fdw_server(name: str) -> str:
    """The postgres_fdw server of a data server (on the coordinator)."""
    return f"sunset_srv_{name}"


def foreign_table(table: str, server: str) -> str:
    """A data server's foreign partition of a distributed table (on the coordinator)."""
    return f'{SCHEMA}."{table}@{server}"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def connection_options(url: str) -> tuple[dict[str, str], dict[str, str]]:
    """postgres_fdw's server options and user mapping options for an SQLAlchemy URL."""
    parsed = make_url(url)
    query = {k: (v if isinstance(v, str) else v[0]) for k, v in parsed.query.items()}
    server = {"dbname": parsed.database or "postgres"}
    host = parsed.host or query.get("host")
    port = parsed.port or query.get("port")
    if host:
        server["host"] = str(host)
    if port:
        server["port"] = str(port)
    user = {"user": parsed.username or "postgres"}
    if parsed.password:
        user["password"] = str(parsed.password)
    return server, user


def coordinate(connection: Connection) -> None:
    """Make this database a coordinator (once): the parents over the distributed tables, its
    own tables their default partitions, and its sessions searching the parents first."""
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgres_fdw")
    connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    made = _parents(connection)
    for table in DISTRIBUTED:
        if table in made:
            continue
        # LIKE copies the columns, their NOT NULLs and defaults (the coordinator's sequences:
        # a row written through the parent takes its id there); no index, no key.
        connection.exec_driver_sql(
            f"CREATE TABLE {SCHEMA}.{table} (LIKE public.{table} INCLUDING DEFAULTS)"
            " PARTITION BY LIST (area_code)"
        )
        connection.exec_driver_sql(
            f"ALTER TABLE {SCHEMA}.{table} ATTACH PARTITION public.{table} DEFAULT"
        )
    database = connection.exec_driver_sql("SELECT current_database()").scalar_one()
    for setting, value in (
        ("search_path", f"{SCHEMA}, public"),
        # Each server counts its own networks' rows (status, stats, verify): the aggregate and
        # the join are sent to it instead of its rows coming over.
        ("enable_partitionwise_aggregate", "on"),
        ("enable_partitionwise_join", "on"),
    ):
        connection.exec_driver_sql(f'ALTER DATABASE "{database}" SET {setting} = {value}')
    connection.exec_driver_sql(f"SET search_path = {SCHEMA}, public")


def unhook(connection: Connection) -> None:
    """Take the parents away, for a migration of the schema (in its transaction): the
    coordinator's own tables become plain tables again (a partition cannot gain a column
    alone), the foreign tables go with the parents; the servers and placements stay."""
    made = _parents(connection)
    for table in DISTRIBUTED:
        if table in made:
            connection.exec_driver_sql(
                f"ALTER TABLE {SCHEMA}.{table} DETACH PARTITION public.{table}"
            )
    connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def rehook(connection: Connection, held: dict[str, list[str]]) -> None:
    """Make the parents again after a migration, over the tables as they now are, each data
    server's foreign tables for the networks it holds (``held``: by server)."""
    coordinate(connection)
    for name, areas in held.items():
        set_partitions(connection, name, areas)


def _parents(connection: Connection) -> set[str]:
    return {
        str(name)
        for (name,) in connection.exec_driver_sql(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            f" WHERE n.nspname = '{SCHEMA}' AND c.relkind = 'p'"
        )
    }


def revision(connection: Connection) -> str | None:
    """The schema's migration (Alembic's revision) of this database, if any."""
    return connection.exec_driver_sql(
        "SELECT version_num FROM public.alembic_version LIMIT 1"
    ).scalar_one_or_none()


def is_coordinator(connection: Connection) -> bool:
    """Whether this database has the cluster's parents (never on SQLite)."""
    if connection.dialect.name != "postgresql":
        return False
    return bool(
        connection.exec_driver_sql(
            f"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '{SCHEMA}')"
        ).scalar_one()
    )


def own_tables_only(connection: Connection) -> bool:
    """On a coordinator, let this transaction write the coordinator's own tables (those of the
    networks it holds itself, with their keys and indexes), not the parents over every server;
    say whether it is one."""
    if not is_coordinator(connection):
        return False
    connection.exec_driver_sql("SET LOCAL search_path = public")
    return True


def define_server(connection: Connection, name: str, url: str) -> None:
    """Let the coordinator reach a data server through postgres_fdw (again, if it was)."""
    server, user = connection_options(url)
    fdw = fdw_server(name)
    connection.exec_driver_sql(f"DROP SERVER IF EXISTS {fdw} CASCADE")
    options = ", ".join(f"{k} {_literal(v)}" for k, v in server.items())
    # Foreign partitions scanned at once (async), rows fetched and inserted in batches.
    connection.exec_driver_sql(
        f"CREATE SERVER {fdw} FOREIGN DATA WRAPPER postgres_fdw OPTIONS ({options},"
        " async_capable 'true', fetch_size '10000', batch_size '1000')"
    )
    mapping = ", ".join(f"{k} {_literal(v)}" for k, v in user.items())
    connection.exec_driver_sql(
        f"CREATE USER MAPPING FOR CURRENT_USER SERVER {fdw} OPTIONS ({mapping})"
    )


def set_partitions(connection: Connection, name: str, areas: Sequence[str]) -> None:
    """Give a data server's foreign partitions the list of networks it holds (none: none).

    A network's rows must already be off the coordinator's default partition (PostgreSQL
    checks it when the list grows).
    """
    values = ", ".join(_literal(a) for a in sorted(areas))
    for table in DISTRIBUTED:
        partition = foreign_table(table, name)
        connection.exec_driver_sql(f"DROP FOREIGN TABLE IF EXISTS {partition}")
        if areas:
            connection.exec_driver_sql(
                f"CREATE FOREIGN TABLE {partition} PARTITION OF {SCHEMA}.{table}"
                f" FOR VALUES IN ({values}) SERVER {fdw_server(name)}"
                f" OPTIONS (schema_name 'public', table_name {_literal(table)})"
            )


def id_sequences(connection: Connection) -> list[str]:
    """The sequences that give the distributed tables their ids."""
    found = connection.exec_driver_sql(
        "SELECT pg_get_serial_sequence('public.' || c.table_name, c.column_name)"
        " FROM information_schema.columns c WHERE c.table_schema = 'public'"
        " AND c.column_default LIKE 'nextval%%' AND c.table_name = ANY(%(tables)s)",
        {"tables": list(DISTRIBUTED)},
    )
    return sorted(str(s) for (s,) in found if s)


def give_ids_from(connection: Connection, block: int) -> None:
    """Let this database's sequences of the distributed tables give ids of ``block`` only (the
    coordinator block 0, each data server its own): rows made on two servers never clash."""
    low, high = (block << ID_BLOCK_BITS) + 1, (block + 1) << ID_BLOCK_BITS
    for sequence in id_sequences(connection):
        last = connection.exec_driver_sql(f"SELECT last_value, is_called FROM {sequence}").one()
        start = max(low, int(last[0]) + 1 if last[1] else int(last[0]))
        if start > high:
            raise InputInvalidError(f"{sequence} is past its block's last id {high}")
        connection.exec_driver_sql(
            f"ALTER SEQUENCE {sequence} MINVALUE {low} MAXVALUE {high} START WITH {start}"
            f" RESTART WITH {start}"
        )


def copy_rows(
    source: Connection,
    target: Connection,
    tables: Iterable[str],
    *,
    where: str = "",
    params: tuple[object, ...] = (),
) -> dict[str, int]:
    """Copy rows of ``tables`` from one database's ``public`` to another's (binary COPY, one
    stream a table); return how many of each."""
    copied: dict[str, int] = {}
    for table in tables:
        columns = [
            str(c)
            for (c,) in source.exec_driver_sql(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
                " AND table_name = %(t)s ORDER BY ordinal_position",
                {"t": table},
            )
        ]
        names = ", ".join(f'"{c}"' for c in columns)
        reader = source.connection.driver_connection.cursor()  # type: ignore[union-attr]
        writer = target.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with (
            reader.copy(
                f"COPY (SELECT {names} FROM public.{table} {where}) TO STDOUT (FORMAT BINARY)",
                params,
            ) as out,
            writer.copy(f"COPY public.{table} ({names}) FROM STDIN (FORMAT BINARY)") as into,
        ):
            for block in out:
                into.write(block)
        copied[table] = max(int(writer.rowcount), 0)
    return copied


def analyze(connection: Connection) -> None:
    """Give the planner this database's distributed tables as they are after a move (a
    network's rows copied in: with the statistics of empty tables it plans nested loops)."""
    for table in DISTRIBUTED:
        connection.exec_driver_sql(f"ANALYZE public.{table}")


def delete_area(connection: Connection, area: str) -> None:
    """Delete a local network's rows from this database's own distributed tables (it has moved:
    the ledger's refusal of DELETE is lifted for this transaction only)."""
    for table in DISTRIBUTED:
        connection.exec_driver_sql(f"ALTER TABLE public.{table} DISABLE TRIGGER USER")
        connection.exec_driver_sql(
            f"DELETE FROM public.{table} WHERE area_code = %(a)s", {"a": area}
        )
        connection.exec_driver_sql(f"ALTER TABLE public.{table} ENABLE TRIGGER USER")


def identity(connection: Connection) -> tuple[str, str]:
    """Which PostgreSQL server (its system identifier) and which database this is."""
    row = connection.exec_driver_sql(
        "SELECT system_identifier::text, current_database() FROM pg_control_system()"
    ).one()
    return str(row[0]), str(row[1])


def lock_for_move(connection: Connection) -> None:
    """Keep this database's writers of the distributed tables waiting until the transaction
    ends (readers go on): a network's rows are being copied away."""
    for table in DISTRIBUTED:
        connection.exec_driver_sql(f"LOCK TABLE public.{table} IN SHARE MODE")


def keep_placements(connection: Connection) -> None:
    """Let no network be placed elsewhere until this transaction ends (a move waits for it)."""
    connection.exec_driver_sql("LOCK TABLE public.cluster_placements IN SHARE MODE")


def ledger_periods(connection: Connection, area: str) -> list[int]:
    """The months (yyyymm) of a local network's entries in this database's own ledger."""
    return [
        int(p)
        for (p,) in connection.exec_driver_sql(
            "SELECT DISTINCT period FROM public.ledger_entries WHERE area_code = %(a)s",
            {"a": area},
        )
    ]


def lines_of(connection: Connection, area: str) -> int:
    """How many lines of a local network this database's own ``lines`` holds."""
    return int(
        connection.exec_driver_sql(
            "SELECT COUNT(*) FROM public.lines WHERE area_code = %(a)s", {"a": area}
        ).scalar_one()
    )


def checkpoints(connection: Connection) -> dict[str, date]:
    """The day through which the cycle ran, for each local network of this database."""
    return {
        str(a): d
        for a, d in connection.exec_driver_sql(
            "SELECT area_code, done_through FROM public.cycle_progress"
        )
    }


def database_size(connection: Connection) -> int:
    """This database's size on disk, in bytes."""
    return int(
        connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
    )


def areas_held(connection: Connection) -> dict[str, int]:
    """The local networks this database's own ``lines`` hold, and their lines."""
    return {
        str(a): int(n)
        for a, n in connection.exec_driver_sql(
            "SELECT area_code, COUNT(*) FROM public.lines GROUP BY area_code"
        )
    }
