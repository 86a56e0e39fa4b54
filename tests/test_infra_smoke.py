"""Smoke tests of the test infrastructure itself: both engines and the CLI subprocess work."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from tests.conftest import RunCli


def test_select_one_through_engine(engine: sa.Engine, db_url: str) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    expected = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    assert engine.dialect.name == expected


def test_session_is_bound_to_engine(session: Session, engine: sa.Engine) -> None:
    assert session.get_bind() is engine
    assert session.execute(sa.text("SELECT 2")).scalar() == 2


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_gets_a_fresh_database(db_url: str, attempt: int) -> None:
    eng = sa.create_engine(db_url)
    try:
        with eng.begin() as conn:
            assert not sa.inspect(conn).has_table("infra_probe"), "database reused across tests"
            conn.exec_driver_sql("CREATE TABLE infra_probe (id INTEGER PRIMARY KEY)")
    finally:
        eng.dispose()


def test_cli_runs_in_a_subprocess(cli: RunCli) -> None:
    result = cli("--help")
    assert result.exit_code == 0, str(result)
    assert "Usage" in result.stdout
