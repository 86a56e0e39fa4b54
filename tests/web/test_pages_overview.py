"""The overview for the person who opens it, over real HTTP on both engines: each region's trend
as a sparkline, where it stands against its own plan and the deadline, furthest behind first.

The served world (tests/web/world.py), figures as of 2011-08: Chongqing (023) 1,300 lines at
2011-05 falling to 900, switched off on 2011-12-31; Hefei (0551) 505 at its announcement's
month-end (2011-07) and 500 now, switched off on 2012-01-10; Beijing (010) 770, no plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from tests.web.served import Served
from tests.web.world import publish_world


@pytest.fixture(scope="module")
def world(served: Served) -> Iterator[Served]:
    publish_world(served.engine)
    yield served


def overview(world: Served, user: str | None, lang: str = "en") -> str:
    with world.client(user) as http:
        page = http.get("/app/", headers={"Accept-Language": lang})
    assert page.status_code == 200
    return page.text


def rows(html: str) -> list[tuple[str, str]]:
    """(area code, standing) of each row of the region table, in order."""
    return re.findall(r'<tr data-area="(\d+)" data-standing="(\w+)"', html)


def row(html: str, area: str) -> str:
    found = re.search(rf'<tr data-area="{area}".*?</tr>', html, re.DOTALL)
    assert found, area
    return found.group(0)


def test_regions_furthest_behind_their_plan_come_first(world: Served) -> None:
    html = overview(world, "regulator")

    assert rows(html) == [("023", "behind"), ("0551", "behind"), ("010", "no_plan")]
    # Chongqing's path: 1,300 on 2011-05-31 to none on 2011-12-31 allows 742 on 2011-08-31.
    assert "behind by 158 lines" in row(html, "023")
    assert 'title="The plan allows 742"' in row(html, "023")
    # Hefei's path starts at its announcement's month-end (505 on 2011-07-31).
    assert "behind by 91 lines" in row(html, "0551")
    assert "no plan" in row(html, "010")


def test_each_region_shows_its_trend_as_a_sparkline_of_its_month_ends(world: Served) -> None:
    html = overview(world, "regulator")

    chongqing = row(html, "023")
    svg = re.search(r'<svg class="sparkline".*?</svg>', chongqing, re.DOTALL)
    assert svg, chongqing
    points = re.search(r'<polyline points="([^"]+)"', svg.group(0))
    assert points
    ys = [float(p.split(",")[1]) for p in points.group(1).split()]
    assert len(ys) == 4 and ys == sorted(ys)  # falling every month: lower on the page each time
    assert "2011-05: 1,300" in svg.group(0) and "2011-08: 900" in svg.group(0)


def test_the_deadline_column_says_where_each_plan_stands_against_it(world: Served) -> None:
    html = overview(world, "regulator")

    assert "on track" in row(html, "023")
    assert "switch-off planned after the deadline" in row(html, "0551")


def test_the_standing_reads_in_chinese(world: Served) -> None:
    html = overview(world, "regulator", lang="zh")

    assert "落后 158 户" in row(html, "023")
    assert "尚无退网计划" in row(html, "010")


def test_an_operators_staff_see_their_regions_and_visitors_no_standing(world: Served) -> None:
    staff = overview(world, "planner.telecom")
    public = overview(world, None)

    assert rows(staff) == [("023", "behind"), ("0551", "behind")]
    assert "data-standing" not in public and "sparkline" not in public
    assert "Chongqing" in public
