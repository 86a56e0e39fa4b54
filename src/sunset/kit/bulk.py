"""Fast bulk writes of polars frames: executemany on SQLite, COPY on PostgreSQL.

Both run on the session's own connection, inside its transaction: the caller still owns the commit.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from sunset.db import is_sqlite


def dbapi_connection(session: Session) -> Any:
    """Return the driver connection under the session's current transaction."""
    return session.connection().connection.driver_connection


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text and booleans as 0/1: what SQLAlchemy stores in SQLite."""
    return frame.with_columns(
        [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date]
        + [pl.col(c).cast(pl.Int8) for c, t in frame.schema.items() if t == pl.Boolean]
    )


def insert_frame(
    session: Session, table: str, frame: pl.DataFrame, *, on_conflict_skip: bool = False
) -> None:
    """Insert every row of ``frame`` into ``table`` (columns named as in the frame)."""
    if frame.height == 0:
        return
    columns = frame.columns
    if is_sqlite(session):
        conflict = " ON CONFLICT DO NOTHING" if on_conflict_skip else ""
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))}){conflict}"
        )
        dbapi_connection(session).executemany(sql, _sqlite_ready(frame).rows())
        return
    if on_conflict_skip:
        _copy_then_insert(session, table, frame)
    else:
        _copy(session, table, columns, frame)


def _copy(session: Session, table: str, columns: Sequence[str], frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
    with dbapi_connection(session).cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(buffer.getbuffer())


def _copy_then_insert(session: Session, table: str, frame: pl.DataFrame) -> None:
    staging = f"staging_{table}"
    cols = ", ".join(frame.columns)
    with dbapi_connection(session).cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table} INCLUDING DEFAULTS)"
            " ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {staging}")
    _copy(session, staging, frame.columns, frame)
    with dbapi_connection(session).cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {staging} ON CONFLICT DO NOTHING"
        )
