"""The resolution rule of the number database, case by case (no database)."""

from __future__ import annotations

from datetime import datetime

import pytest

from sunset.routing.rules import Entry, LiveLine, from_minutes, resolve, to_minutes

NUMBER = "+8655162345678"
LINE = LiveLine("telecom", "phs", "D100", datetime(2005, 3, 1))
PORT = Entry(
    datetime(2011, 6, 2, 10),
    "unicom",
    "wcdma",
    "D206",
    "port",
    forward_to="+8613012345678",
    forward_until=datetime(2011, 7, 1),
)
BACK = Entry(datetime(2012, 1, 1), "telecom", "cdma", "D103", "migration")


@pytest.mark.parametrize(
    ("at", "entries", "line", "expected"),
    [
        (datetime(2011, 6, 2, 9, 59), [PORT], LINE, ("telecom", "line", False, None)),
        (datetime(2011, 6, 2, 10), [PORT], LINE, ("unicom", "port", True, "+8613012345678")),
        (datetime(2011, 6, 30, 23, 59), [PORT], LINE, ("unicom", "port", True, "+8613012345678")),
        (datetime(2011, 7, 1), [PORT], LINE, ("unicom", "port", True, None)),
        (datetime(2012, 1, 1), [BACK, PORT], LINE, ("telecom", "migration", False, None)),
        (datetime(2011, 6, 2, 10), [PORT], None, ("unicom", "port", True, "+8613012345678")),
        (datetime(2011, 6, 1), [PORT], None, (None, None, False, None)),
        (datetime(2005, 2, 28, 23, 59), [], LINE, (None, None, False, None)),
    ],
    ids=[
        "donor-until-the-port",
        "recipient-from-the-port-with-forwarding",
        "forwarding-until-the-last-minute",
        "forwarding-ends",
        "latest-entry-wins-in-any-order",
        "a-port-without-a-line",
        "nothing-before-the-first-entry-without-a-line",
        "not-before-the-line-was-activated",
    ],
)
def test_the_entry_in_force_then_the_live_line_then_unassigned(
    at: datetime,
    entries: list[Entry],
    line: LiveLine | None,
    expected: tuple[str | None, str | None, bool, str | None],
) -> None:
    found = resolve(NUMBER, at, entries, line)

    assert (found.operator_code, found.source, found.ported, found.forward_to) == expected
    assert found.assigned == (expected[0] is not None)


def test_minutes_since_1970_round_trip_to_the_minute() -> None:
    moment = datetime(2011, 6, 2, 10, 37)

    assert from_minutes(to_minutes(moment)) == moment
    assert to_minutes(datetime(1960, 1, 1)) == 0


def test_a_number_given_out_again_is_routed_by_its_new_line() -> None:
    reissued = LiveLine("unicom", "wcdma", "D201", datetime(2013, 5, 1))
    before = resolve(NUMBER, datetime(2013, 4, 30, 23, 59), [PORT], reissued)
    after = resolve(NUMBER, datetime(2013, 5, 1), [PORT], reissued)
    assert (before.operator_code, before.source) == (PORT.operator_code, PORT.source)
    assert (after.operator_code, after.network_code, after.ported) == ("unicom", "wcdma", False)
