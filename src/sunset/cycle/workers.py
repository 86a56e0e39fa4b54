"""Local networks several at once: a batch job's works in threads, a connection each."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from sqlalchemy import Engine

from sunset.config import get_settings

T = TypeVar("T")


def workers_for(engine: Engine, asked: int | None = None) -> int:
    """How many local networks a batch job works on at once: one on SQLite (one writer at a
    time), else ``asked`` or the ``batch_workers`` setting, 0 meaning one per CPU core; never
    more than the connections a process keeps (``db_pool_size``), one of which each holds."""
    if engine.dialect.name == "sqlite":
        return 1
    settings = get_settings()
    workers = settings.batch_workers if asked is None else asked
    return min(workers or os.cpu_count() or 1, settings.db_pool_size)


def each_at_once(
    work: Callable[[str], T], keys: Sequence[str], *, workers: int
) -> Iterator[tuple[str, T]]:
    """Run ``work`` on each key, ``workers`` of them at once in threads, yielding (key, result)
    as each finishes (in order when one at a time).

    For batch jobs whose keys (local networks) share no rows: each ``work`` opens and commits
    its own sessions. On the first failure the works running finish, those not begun never
    begin, and the failure is raised; what each committed stands.
    """
    if workers <= 1 or len(keys) <= 1:
        for key in keys:
            yield key, work(key)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sunset-batch")
    try:
        running: dict[Future[T], str] = {pool.submit(work, key): key for key in keys}
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                yield running.pop(future), future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
