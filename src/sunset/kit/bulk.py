"""Fast bulk writes of polars frames: executemany on SQLite, COPY on PostgreSQL.

Both run on the session's own connection, inside its transaction: the caller still owns the commit.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Select
from sqlalchemy.orm import Session

from sunset.db import is_sqlite


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
