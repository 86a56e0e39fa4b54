"""Pooled connections go back to the pool as they were lent: a batch job's big SQLite page
cache, or its PostgreSQL planning without JIT, does not stay with a connection a web request
gets next."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from sunset.db import (
    BATCH_CACHE_MIB,
    CACHE_MIB,
    make_engine,
    plan_without_jit,
    session_scope,
    use_batch_cache,
)


def cache_mib(session: Session) -> int:
    connection = session.connection()
    return -int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one()) // 1024


def test_a_batch_jobs_page_cache_is_given_back_with_its_connection(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with session_scope(engine, write=True) as session:
            lent = session.connection().connection.dbapi_connection
            use_batch_cache(session)
            assert cache_mib(session) == BATCH_CACHE_MIB
        with session_scope(engine) as session:
            # The pool lends the same connection again (one was ever opened).
            assert session.connection().connection.dbapi_connection is lent
            assert cache_mib(session) == CACHE_MIB
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_planning_without_jit_ends_with_the_batch_jobs_transaction(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        default = session.connection().exec_driver_sql("SHOW jit").scalar_one()
    with session_scope(engine, write=True) as session:
        plan_without_jit(session)
        assert session.connection().exec_driver_sql("SHOW jit").scalar_one() == "off"
    with session_scope(engine) as session:
        assert session.connection().exec_driver_sql("SHOW jit").scalar_one() == default
