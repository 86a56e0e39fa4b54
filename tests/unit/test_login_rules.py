"""When sign-in is refused after failed attempts, and for how long (access.rules.login_wait)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sunset.access.rules import login_wait

NINE = datetime(2012, 3, 1, 9, 0)
WINDOW = timedelta(minutes=15)


def at(*minutes: float) -> list[datetime]:
    return [NINE + timedelta(minutes=m) for m in minutes]


@pytest.mark.parametrize(
    ("failures", "now_minutes", "wait"),
    [
        (at(0, 1, 2, 3), 5, None),  # four failures: under the limit of five
        (at(0, 1, 2, 3, 4), 5, timedelta(minutes=10)),  # five: until the first is 15 min old
        (at(0, 1, 2, 3, 4, 6), 7, timedelta(minutes=9)),  # six: the second of them decides
        (at(4, 0, 3, 1, 2), 5, timedelta(minutes=10)),  # in any order
        (at(0, 1, 2, 3, 4), 15, None),  # the first has left the window: four remain
        (at(0, 1, 2, 3, 4), 14.5, timedelta(minutes=0.5)),
        (at(-20, -19, 1, 2, 3, 4), 5, None),  # failures older than the window never count
    ],
)
def test_sign_in_is_refused_until_the_failures_that_make_the_limit_leave_the_window(
    failures: list[datetime], now_minutes: float, wait: timedelta | None
) -> None:
    now = NINE + timedelta(minutes=now_minutes)
    assert login_wait(failures, limit=5, window=WINDOW, now=now) == wait
