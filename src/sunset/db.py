"""Engine, sessions and schema migrations (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.expression import Executable

from sunset.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with named constraints (portable migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


MIGRATIONS_DIR = Path(__file__).parent / "migrations"
WRITE_OPTION = "sunset_write"
CACHE_MIB = 256  # SQLite's page cache a connection: index builds on millions of rows
BATCH_CACHE_MIB = 1024  # ... and a batch job's (use_batch_cache)
BATCH_CACHE = "sunset_batch_cache"
WAL_PAGES = 10_000  # 40 MiB of 4 KiB pages: see _sqlite_pragmas
SCRATCH_SCHEMA = "sunset_scratch"
CLUSTER_SCHEMA = "sunset_cluster"  # a coordinator's parents over its servers (sunset.cluster)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute(f"PRAGMA cache_size=-{CACHE_MIB * 1024}")
    cur.execute("PRAGMA threads=2")
    # Checkpoint the WAL every WAL_PAGES pages instead of SQLite's 1,000 (4 MiB): a page
    # written again before the checkpoint (a line's balance, an index leaf) is copied back to
    # the file once. The demo's two years: 71.6 s with 20,000 against 75.4 s with 1,000.
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
    cur.close()
    # sunset emits BEGIN itself (below), so that writers can take the write lock up front.
    dbapi_conn.isolation_level = None


def _sqlite_mmap(megabytes: int) -> Any:
    def set_mmap(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA mmap_size={megabytes * 1024 * 1024}")
        cur.close()

    return set_mmap


def attach_scratch(session: Session, path: Path) -> None:
    """Attach a scratch SQLite file to the session's connection as ``SCRATCH_SCHEMA``.

    SQLite keeps an attached file attached until the transaction ends (DETACH inside it fails);
    the connection detaches it when it goes back to the pool.
    """
    connection = session.connection()
    connection.exec_driver_sql(f"ATTACH DATABASE ? AS {SCRATCH_SCHEMA}", (str(path),))
    connection.connection.info[SCRATCH_SCHEMA] = True


def use_batch_cache(session: Session) -> None:
    """On SQLite, let the session's connection keep BATCH_CACHE_MIB of pages in its cache until
    it goes back to the pool (then it shrinks back to CACHE_MIB).

    For a batch job whose one transaction reads and writes pages scattered over a big local
    network: the credits of a year of outages (the month-end tried it and was slower: 211.5 s
    against 177.9 s over 20M lines, peak 1,856 MiB). With 256 MiB on 20M
    lines, the pages a statement wrote were evicted before the next one wrote them again (the
    biggest local network's year of outage credits: 36 s with 256 MiB, 24 s with 1 GiB, 25 s
    with 2 GiB). A web server's connections never ask for it.
    """
    if not is_sqlite(session):
        return
    connection = session.connection()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{BATCH_CACHE_MIB * 1024}")
    connection.connection.info[BATCH_CACHE] = True


def plan_without_jit(session: Session) -> None:
    """On PostgreSQL, compile none of this transaction's statements with JIT (``SET LOCAL``:
    the setting ends with the transaction).

    PostgreSQL compiles a statement whose estimated cost is above ``jit_above_cost``: a year of
    outage credits in one statement is estimated far above it and mostly finds nothing to do
    (a rerun), and the compiling alone took 0.3-0.4 s a statement (1M lines: one local
    network's year 0.85 s without it, 1.2 s with it).
    """
    if not is_sqlite(session):
        session.connection().exec_driver_sql("SET LOCAL jit = off")


def _sqlite_checkin(dbapi_conn: Any, record: Any) -> None:
    """Leave a connection going back to the pool as it was lent: no scratch file attached, the
    usual page cache."""
    if dbapi_conn is None:
        return
    if record.info.pop(SCRATCH_SCHEMA, False):
        dbapi_conn.execute(f"DETACH DATABASE {SCRATCH_SCHEMA}")
    if record.info.pop(BATCH_CACHE, False):
        dbapi_conn.execute(f"PRAGMA cache_size=-{CACHE_MIB * 1024}")


def _sqlite_begin(conn: Any) -> None:
    """Begin a transaction; a writer's begins IMMEDIATE so that what it reads stays true.

    A deferred transaction reads first and asks for the write lock later; if another process
    committed in between (a switch-off while a top-up checks its line), SQLite refuses the late
    upgrade. Writers therefore take the lock before reading (they queue behind busy_timeout).
    """
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(
    url: str | None = None,
    *,
    migrate: bool = True,
    sqlite_mmap_mb: int = 0,
    search_path: str | None = None,
) -> Engine:
    """Create an engine for ``url`` (default: settings) and bring its schema up to date.

    ``sqlite_mmap_mb``: on SQLite, read the file through a memory map of this size. Random
    look-ups over tens of millions of lines (the web) then touch pages in place instead of
    copying each out of the OS cache (3x the line page's throughput on 20M lines); the mapped
    pages count in the process's resident size, so batch jobs leave it off.

    ``search_path``: on PostgreSQL, the schemas its sessions search (a cluster's coordinator
    writes its own local networks in ``public``, not through the parents over every server).
    """
    url = url or get_settings().database_url
    # Connections are kept, not closed after each use beyond a small pool: a SQLite connection
    # starts with an empty page cache, and a web server's threads would otherwise open a new
    # one for most requests under load (4x slower pages on 20M lines).
    pool = get_settings().db_pool_size
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_size=pool, max_overflow=pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        if sqlite_mmap_mb:
            event.listen(engine, "connect", _sqlite_mmap(sqlite_mmap_mb))
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "checkin", _sqlite_checkin)
    else:
        options = {"options": f"-c search_path={search_path}"} if search_path else {}
        engine = create_engine(
            url, pool_pre_ping=True, pool_size=pool, max_overflow=pool, connect_args=options
        )
    if migrate:
        upgrade(engine)
    return engine


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    """Tell whether the database behind ``engine_or_session`` is SQLite."""
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "sqlite"


def alembic_config(engine: Engine, connection: Connection | None = None) -> Any:
    """Return an Alembic Config that runs on ``engine``'s connection (``connection``: in that
    connection's transaction, the caller's to end)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(
    engine: Engine, revision: str = "head", *, connection: Connection | None = None
) -> None:
    """Apply every pending migration (idempotent); at head, add missing reference data too.

    ``connection``: in its transaction, as one step of a larger change (a cluster's coordinator
    is upgraded between taking its parents away and making them again: ``sunset cluster
    upgrade``); a coordinator's schema is never migrated otherwise (``CLUSTER_NEEDS_UPGRADE``).
    """
    from alembic import command

    config = alembic_config(engine, connection)
    config.attributes["sync_reference"] = revision == "head"
    command.upgrade(config, revision)


@contextmanager
def synced_at_end(engine: Engine) -> Iterator[None]:
    """On SQLite, let the block's commits go without waiting for the disk, then make it all
    durable at once: a fresh database being filled (the demo), where a crash of the machine
    midway means filling it again, not a lost payment.

    Inside the block the connections write with ``synchronous=OFF``: a commit and the WAL's
    checkpoints hand their pages to the operating system without syncing them (a crash of the
    process loses nothing; a crash of the machine may leave the file unusable). At the end the
    WAL is checkpointed into the file and the file synced, and the connections made afterwards
    are the usual ones. Elsewhere (PostgreSQL) it does nothing.
    """
    if engine.dialect.name != "sqlite":
        yield
        return

    def unsynced(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    engine.dispose()  # the pool's connections were made synced
    event.listen(engine, "connect", unsynced)
    try:
        yield
    finally:
        event.remove(engine, "connect", unsynced)
        engine.dispose()
        raw = engine.raw_connection()
        try:  # outside any transaction (sunset begins its own): the checkpoint syncs the file
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()


@lru_cache(maxsize=4)
def default_engine(url: str | None = None) -> Engine:
    """Return the process-wide engine (migrated once)."""
    return make_engine(url)


@lru_cache(maxsize=64)
def _session_factory(engine: Engine, write: bool) -> sessionmaker[Session]:
    """Return the session factory of an engine, made once (a web request opens one per call)."""
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None, *, write: bool = False) -> Iterator[Session]:
    """Open a session that commits on success and rolls back on any error: the one commit owner.

    ``write=True`` for a unit of work that reads and then writes what it read (an operation on a
    line, a chunk of the cycle): on SQLite it holds the write lock from its first statement.
    """
    session = _session_factory(engine or default_engine(), write)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def refresh_statistics(engine: Engine, tables: Sequence[str]) -> None:
    """After a bulk load, let PostgreSQL's planner and visibility map catch up with ``tables``.

    ``VACUUM (ANALYZE)`` runs outside any transaction, so after the load's commit. Until it (or
    autovacuum, minutes later) runs, the status report reads every line instead of its covering
    indexes alone: on 20M lines `sunset status` took 5.8 s before and 2.5 s after it, which
    took 4.2 s. SQLite keeps no visibility map: nothing to do there.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            # The database's own table (on a cluster's coordinator, not the parent over every
            # server: each data server keeps its own statistics).
            connection.exec_driver_sql(f"VACUUM (ANALYZE) public.{table}")


def reset(url: str | None = None) -> Engine:
    """Drop everything in the database at ``url`` and migrate it afresh (for demos and tests)."""
    from sqlalchemy import text

    url = url or get_settings().database_url
    default_engine.cache_clear()
    engine = make_engine(url, migrate=False)
    if engine.dialect.name == "sqlite":
        engine.dispose()
        database = engine.url.database
        if database and database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(database + suffix).unlink(missing_ok=True)
    else:
        with engine.begin() as conn:
            # A cluster's coordinator (sunset.cluster.layout) has its parents, foreign servers
            # and search path besides: they go too.
            conn.execute(text(f"DROP SCHEMA IF EXISTS {CLUSTER_SCHEMA} CASCADE"))
            conn.execute(text("DROP EXTENSION IF EXISTS postgres_fdw CASCADE"))
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            database = conn.execute(text("SELECT current_database()")).scalar_one()
            conn.execute(text(f'ALTER DATABASE "{database}" RESET ALL'))
        engine.dispose()
    return make_engine(url)


def table_of(model: type[Base]) -> Table:
    """Return the Core table of a mapped class (for set-based statements)."""
    return cast(Table, model.__table__)


def execute_counted(session: Session, statement: Executable) -> int:
    """Execute an INSERT/UPDATE/DELETE and return how many rows it touched.

    SQLAlchemy keeps the count of an INSERT ... FROM SELECT only when asked (on PostgreSQL it
    is -1 otherwise).
    """
    result = session.execute(statement.execution_options(preserve_rowcount=True))
    return int(getattr(result, "rowcount", 0) or 0)
