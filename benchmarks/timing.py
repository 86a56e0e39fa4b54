"""Per-statement timing for the benchmarks: where a job's seconds go, statement by statement."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event


def time_statements(engine: Engine) -> dict[str, list[float]]:
    """Record the seconds of every statement ``engine`` runs, by its SQL's first 160 characters,
    and of its commits (``COMMIT``: on SQLite, writing the pages to the WAL and checkpoints)."""
    seconds: dict[str, list[float]] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def started(conn: Any, *_: Any) -> None:
        conn.info.setdefault("sunset_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def finished(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        took = time.perf_counter() - conn.info["sunset_started"].pop()
        seconds.setdefault(" ".join(statement.split())[:160], []).append(took)

    commit = engine.dialect.do_commit

    def timed_commit(dbapi_connection: Any) -> None:
        started = time.perf_counter()
        commit(dbapi_connection)
        seconds.setdefault("COMMIT", []).append(time.perf_counter() - started)

    engine.dialect.do_commit = timed_commit  # type: ignore[method-assign]
    return seconds


def print_statements(seconds: dict[str, list[float]], top: int) -> None:
    """Print the ``top`` statements by their total seconds."""
    ranked = sorted(seconds.items(), key=lambda item: -sum(item[1]))[:top]
    print(f"top {top} statements by total time (seconds, runs, SQL):")
    for sql, runs in ranked:
        print(f"  {sum(runs):8.1f} {len(runs):6d}  {sql}")
