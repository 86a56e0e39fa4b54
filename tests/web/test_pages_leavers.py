"""Over real HTTP, on both engines: the overview counts the lines of the network being retired
and shows where those that left went; the API gives the same departures and every network side
by side."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from tests.integration.test_network_progress import move
from tests.web.served import CHONGQING_TELECOM_2, Served

from sunset.cycle.daily import run_cycle

EN = {"Accept-Language": "en"}


@pytest.fixture(scope="module")
def moved(served: Served) -> Iterator[Served]:
    """The served world's month-ends from 2010-12 to 2011-03; a Chongqing line migrated to CDMA
    (a new number) on 2011-03-10."""
    run_cycle(served.engine, until=date(2011, 2, 28), start=date(2010, 12, 31))
    offer, day = "chongqing-2009-tianyi", date(2011, 3, 10)
    move(served.engine, CHONGQING_TELECOM_2, offer, day, new="189 2300 0009")
    run_cycle(served.engine, until=date(2011, 3, 31))
    yield served


def test_the_overview_shows_where_the_leavers_went(moved: Served) -> None:
    with moved.client("regulator") as http:
        page = http.get("/app/", headers=EN).text
    with moved.client() as http:
        public = http.get("/app/", headers=EN).text

    assert "Remaining lines (phs): <b>5</b>" in page  # six lines, one gone to CDMA
    assert 'data-testid="leavers"' in page
    row = page.split('data-how="migrated" data-target="cdma2000"')[1].split("</tr>")[0]
    assert "telecom/cdma2000" in row and "<td>No</td>" in row  # a new number
    assert "Where the leavers went" in page and "2011-03" in page
    assert 'data-testid="leavers"' not in public


def test_the_api_gives_the_departures_of_an_operators_own_lines(moved: Served) -> None:
    with moved.client("regulator") as http:
        everyone = http.get("/stats/departures").json()
        networks = http.get("/stats/progress", params={"by": "network", "first": "2011-03"})
    with moved.client("agent.unicom") as http:
        unicom = http.get("/stats/departures").json()
        unknown = http.get("/stats/departures", params={"network": "pstn"})

    assert (everyone["network"], everyone["last_month"]) == ("phs", "2011-03")
    assert [(r["how"], r["to_network"], r["last_month"]) for r in everyone["rows"]] == [
        ("migrated", "cdma2000", 1)
    ]
    march = {r["group"]: (r["remaining"], r["change_month"]) for r in networks.json()["rows"]}
    assert march == {"phs": (5, -1), "cdma2000": (1, 1)}
    assert unicom["rows"] == []  # Unicom lost no line
    assert unknown.status_code == 404
