"""`cycle.workers.each_at_once`: how a batch job (the cycle, outage credits) works on several local
networks at once on PostgreSQL, and stops when one of them fails."""

from __future__ import annotations

import threading
import time

import pytest

from sunset.cycle.workers import each_at_once

AREAS = ["010", "021", "023", "024", "0551", "0565"]


def test_one_at_a_time_each_area_is_done_once_in_order_on_the_callers_thread() -> None:
    seen: list[tuple[str, str]] = []

    def work(area: str) -> str:
        seen.append((area, threading.current_thread().name))
        return area.upper()

    assert list(each_at_once(work, AREAS, workers=1)) == [(a, a.upper()) for a in AREAS]
    assert seen == [(a, threading.main_thread().name) for a in AREAS]


def test_at_once_each_area_is_done_once_and_two_run_side_by_side() -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def work(area: str) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return len(area)

    done = dict(each_at_once(work, AREAS, workers=2))
    assert done == {a: len(a) for a in AREAS}
    assert most == 2


def test_a_failure_is_raised_and_the_areas_not_begun_never_begin() -> None:
    began: list[str] = []

    def work(area: str) -> str:
        began.append(area)
        if area == AREAS[0]:
            raise RuntimeError(f"local network {area} failed")
        time.sleep(0.3)
        return area

    with pytest.raises(RuntimeError, match="local network 010 failed"):
        for _ in each_at_once(work, AREAS, workers=2):
            pass
    # The second worker was busy with 021 (and perhaps took 023 as 010 failed); no more began.
    assert set(AREAS[:2]) <= set(began)
    assert len(began) <= 3
