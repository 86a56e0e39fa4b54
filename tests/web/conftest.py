"""A live server per test module and engine (SQLite file, PostgreSQL database)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from tests.conftest import _PgServer
from tests.web.served import Served, serve

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def serving(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    *,
    options: Sequence[str] = (),
) -> Iterator[Served]:
    """Run `sunset serve` on a freshly seeded database of the engine ``request.param``."""
    folder = tmp_path_factory.mktemp("served")
    if request.param == "sqlite":
        yield from serve(f"sqlite:///{folder}/web.db", folder, options=options)
        return
    server: _PgServer = request.getfixturevalue("_pg_server")
    name = server.create()
    try:
        yield from serve(server.url_for(name), folder, options=options)
    finally:
        server.drop(name)


@pytest.fixture(scope="module", params=ENGINES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A running `sunset serve` on a freshly seeded database of each engine."""
    yield from serving(request, tmp_path_factory)
