"""Fast bulk writes of polars frames: executemany or a scratch file on SQLite, COPY on PostgreSQL.

Every write lands inside the session's transaction: the caller still owns the commit.
"""

from __future__ import annotations

import io
import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl
from sqlalchemy import Column, MetaData, Select, Table, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from sunset.db import SCRATCH_SCHEMA, attach_scratch, is_sqlite


def dbapi_connection(session: Session) -> Any:
    """Return the driver connection under the session's current transaction."""
    return session.connection().connection.driver_connection


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates and timestamps as ISO text and booleans as 0/1: what SQLAlchemy stores in SQLite
    (timestamps with microseconds, so that they compare equal to the ones it binds)."""
    return frame.with_columns(
        [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date]
        + [
            pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
            for c, t in frame.schema.items()
            if isinstance(t, pl.Datetime)
        ]
        + [pl.col(c).cast(pl.Int8) for c, t in frame.schema.items() if t == pl.Boolean]
    )


def insert_frame(session: Session, table: str, frame: pl.DataFrame) -> None:
    """Insert every row of ``frame`` into ``table`` (columns named as in the frame)."""
    if frame.height == 0:
        return
    columns = frame.columns
    if is_sqlite(session):
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        dbapi_connection(session).executemany(sql, _sqlite_ready(frame).rows())
        return
    _copy(session, table, columns, frame)


class Loader:
    """Millions of rows bound for the session's tables, at the speed each engine allows.

    Two kinds of rows: ``append`` rows belong in a table of the schema; ``stage`` rows are kept
    aside for a later INSERT … SELECT to read from ``staged(table)`` (a sorted pass into a
    keyed table, say), and vanish with the loader.

    On PostgreSQL each frame is COPied at once: into its table, or into an unlogged table
    dropped with the loader. On SQLite, Python's driver binds one row at a time (about 4 µs a
    line of 18 columns, making the tuples included); here the frames go instead, as Arrow
    columns bound in C by ADBC (about 1 µs a line), to a scratch file of their own that nobody
    else sees. ``land`` attaches that file to the session and copies the appended rows across in
    one INSERT … SELECT a table, inside the session's transaction: the load stays
    all-or-nothing. Rows land in the order they were appended.

    Use as a context manager: leaving it removes the scratch file, landed or not.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._sqlite = is_sqlite(session)
        self._appended: dict[str, list[str]] = {}
        self._staged: dict[str, list[str]] = {}
        self._aside: dict[str, str] = {}  # PostgreSQL: staged under -> the table holding them
        self._landed = False
        self._scratch: Path | None = None
        self._adbc: Any = None

    def append(self, table: str, frame: pl.DataFrame) -> None:
        """Add rows for ``table`` (columns named as in the frame, the same on every call)."""
        self._add(self._appended, table, frame)

    def stage(self, table: Table, frame: pl.DataFrame) -> None:
        """Keep rows aside under ``table``'s name and columns, for ``staged`` to read.

        On PostgreSQL they go to an unlogged table of their own, named after ``table`` and this
        load, created in the session's transaction and dropped with the loader: not a temporary
        table, which a prepared transaction (a cluster's import, ``cluster.twophase``) may not
        touch. On SQLite only ``table``'s name is used.
        """
        if frame.height == 0:  # nothing staged yet creates no table (`staged` says None)
            return
        if not self._sqlite and table.name not in self._aside:
            aside = Table(
                f"{table.name}_{uuid.uuid4().hex[:12]}",
                MetaData(),
                *(Column(c.name, c.type) for c in table.columns),
                prefixes=["UNLOGGED"],
            )
            self._session.execute(CreateTable(aside))
            self._aside[table.name] = aside.name
        self._add(self._staged, self._aside.get(table.name, table.name), frame)

    def land(self) -> None:
        """Copy every appended row into its table, inside the session's transaction."""
        if self._landed:
            raise RuntimeError("the loader has landed already")
        self._landed = True
        if self._adbc is None:
            return
        assert self._scratch is not None
        self._adbc.close()
        self._adbc = None
        attach_scratch(self._session, self._scratch)
        for table, columns in self._appended.items():
            names = ", ".join(columns)
            self._session.execute(
                text(f"INSERT INTO {table} ({names}) SELECT {names} FROM {SCRATCH_SCHEMA}.{table}")
            )

    def staged(self, table: Table) -> str | None:
        """Name the table that holds the rows staged under ``table``, once landed (None: none)."""
        if not self._landed:
            raise RuntimeError("staged rows are readable once the loader has landed")
        if self._sqlite:
            return f"{SCRATCH_SCHEMA}.{table.name}" if table.name in self._staged else None
        return self._aside.get(table.name)

    def _add(self, kind: dict[str, list[str]], table: str, frame: pl.DataFrame) -> None:
        if self._landed:
            raise RuntimeError("the loader has landed already")
        if frame.height == 0:
            return
        known = kind.setdefault(table, frame.columns)
        if known != frame.columns:
            raise ValueError(f"rows for {table}: columns {frame.columns}, earlier {known}")
        if not self._sqlite:
            _copy(self._session, table, frame.columns, frame)
            return
        with self._scratch_connection().cursor() as cursor:  # one transaction a call
            cursor.adbc_ingest(table, _sqlite_ready(frame).to_arrow(), mode="create_append")

    def _scratch_connection(self) -> Any:
        if self._adbc is None:
            import adbc_driver_sqlite.dbapi as adbc  # only SQLite loads need it

            database = self._session.connection().engine.url.database
            folder = Path(database).parent if database and database != ":memory:" else None
            remove_abandoned_scratch(Path(folder or tempfile.gettempdir()))
            handle, name = tempfile.mkstemp(
                prefix=_scratch_prefix(os.getpid()), suffix=".db", dir=folder
            )
            os.close(handle)
            self._scratch = Path(name)
            self._adbc = adbc.connect(name, autocommit=True)
            with self._adbc.cursor() as cursor:  # a scratch file: nothing to recover after a crash
                cursor.execute("PRAGMA journal_mode=OFF")
                cursor.execute("PRAGMA synchronous=OFF")
        return self._adbc

    def __enter__(self) -> Loader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._adbc is not None:
            self._adbc.close()
        if exc is None:  # after an error the transaction is undone, with these tables
            for aside in self._aside.values():
                self._session.execute(text(f"DROP TABLE {aside}"))
        if self._scratch is not None:
            # Once attached, the session's connection keeps the file open until it detaches it.
            self._scratch.unlink(missing_ok=True)


SCRATCH_PREFIX = ".sunset-load-"


def _scratch_prefix(pid: int) -> str:
    return f"{SCRATCH_PREFIX}{pid}-"


def remove_abandoned_scratch(folder: Path) -> list[Path]:
    """Remove the scratch files of loads whose process is gone (killed mid-import, say).

    A scratch file is named after its process; while that process lives it is left alone.
    Return the files removed.
    """
    removed = []
    for path in folder.glob(f"{SCRATCH_PREFIX}*"):
        pid = path.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _copy(session: Session, table: str, columns: Sequence[str], frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
    with dbapi_connection(session).cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(buffer.getbuffer())


def raw_rows(session: Session, query: Select[Any], *, chunk: int) -> Iterator[list[Any]]:
    """Yield the rows of ``query`` as the driver's tuples, ``chunk`` at a time.

    For result sets of millions: SQLAlchemy's per-row processing costs more than the query. The
    values are the driver's own (SQLite: dates as ISO text, booleans as 0/1). The query is
    rendered with its values inline, so only for trusted values (configuration), which SQLAlchemy
    quotes.
    """
    dialect = session.get_bind().dialect
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    raw = dbapi_connection(session)
    # On PostgreSQL a named (server-side) cursor: a client-side one would hold every row at once.
    cursor = raw.cursor() if is_sqlite(session) else raw.cursor(name="sunset_raw_rows")
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk):
            yield rows
    finally:
        cursor.close()
