"""Shared fixtures: real databases on both engines (SQLite file, PostgreSQL) and the real CLI.

PostgreSQL comes from ``SUNSET_TEST_POSTGRES_URL`` (set by ``scripts/test.sh``). Each test gets a
fresh database copied from a per-worker template that was migrated once. Without the variable the
postgres params are skipped, unless ``CI_REQUIRE_POSTGRES=1`` or ``CI`` is set: then they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

REPO_ROOT = Path(__file__).resolve().parents[1]
PG_URL_ENV = "SUNSET_TEST_POSTGRES_URL"
CLI_TIMEOUT_S = 300


def _postgres_required() -> bool:
    ci = os.environ.get("CI", "").strip().lower()
    return os.environ.get("CI_REQUIRE_POSTGRES") == "1" or ci not in ("", "0", "false")


def _admin_url() -> str:
    url = os.environ.get(PG_URL_ENV, "").strip()
    if url:
        return url
    if _postgres_required():
        pytest.fail(
            f"{PG_URL_ENV} is not set but PostgreSQL is required (CI or CI_REQUIRE_POSTGRES=1): "
            "run the suite through scripts/test.sh",
            pytrace=False,
        )
    pytest.skip(f"PostgreSQL not configured: set {PG_URL_ENV} (scripts/test.sh does)")


def _db_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@dataclass
class _PgServer:
    """Autocommit admin connection to the test server plus this worker's migrated template."""

    admin: sa.Engine
    template: str
    strategy: str = ""  # PG >= 15: FILE_COPY copies a small template fastest (fsync is off)

    def url_for(self, database: str) -> str:
        return make_url(self.admin.url).set(database=database).render_as_string(hide_password=False)

    def execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)

    def create(self) -> str:
        name = _db_name("t")
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"{self.strategy}')
        return name

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _pg_server() -> Iterator[_PgServer]:
    from sunset.db import make_engine

    admin = sa.create_engine(_admin_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    server = _PgServer(admin=admin, template=_db_name(f"tmpl_{worker}"))
    with admin.connect() as conn:
        if int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) >= 150000:
            server.strategy = " STRATEGY FILE_COPY"
    server.execute(f'CREATE DATABASE "{server.template}"')
    try:
        make_engine(server.url_for(server.template)).dispose()  # migrate the template once
        server.execute(f'ALTER DATABASE "{server.template}" WITH ALLOW_CONNECTIONS false')
        yield server
    finally:
        server.drop(server.template)
        admin.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated-on-demand database: a SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/t.db"
        return
    server: _PgServer = request.getfixturevalue("_pg_server")
    name = server.create()
    try:
        yield server.url_for(name)
    finally:
        server.drop(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh SQLite file, for tests that only need SQLite."""
    return f"sqlite:///{tmp_path}/t.db"


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    """Migrated engine on ``db_url``, disposed after the test."""
    from sunset.db import make_engine

    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    """Plain session on ``engine`` (no automatic commit), closed after the test."""
    with sessionmaker(bind=engine)() as sess:
        yield sess


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@dataclass(frozen=True)
class CliResult:
    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:
        return (
            f"sunset {' '.join(self.args)} -> exit {self.exit_code}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )


class RunCli(Protocol):
    def __call__(self, *args: str, input: str | None = None) -> CliResult: ...


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunCli:
    """Run the real ``sunset`` CLI in a subprocess against ``db_url``, in ``tmp_path``."""
    monkeypatch.setenv("SUNSET_DATABASE_URL", db_url)

    def run(*args: str, input: str | None = None) -> CliResult:
        env = {**os.environ, "SUNSET_DATABASE_URL": db_url, "PYTHONIOENCODING": "utf-8"}
        env.update({"NO_COLOR": "1", "COLUMNS": "200"})
        proc = subprocess.run(
            [sys.executable, "-m", "sunset", *args],
            input=input,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=tmp_path,
            timeout=CLI_TIMEOUT_S,
            check=False,
        )
        return CliResult(tuple(args), proc.returncode, proc.stdout, proc.stderr)

    return run
