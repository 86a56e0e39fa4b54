"""Regional forecasts as staff get them (issue 19): a retiring network (PHS, with the regulator's
deadline) or one with a retirement plan is closed to new users, so no bound of its fan rises
above the last count; a region with a few month-ends follows the national shape and says so."""

from __future__ import annotations

import itertools
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session
from tests.factories import set_plan

from sunset.access.rules import Actor
from sunset.access.vocabulary import Role
from sunset.db import session_scope
from sunset.stats import service as stats
from sunset.stats.models import MonthlySnapshot
from sunset.stats.rules import add_months
from sunset.usecases import stats as desk_stats

REGULATOR = Actor(1, "regulator", Role.REGULATOR, None)
# A staircase like the demo's: flat months, a step down when a part of the region goes.
STAIRCASE = [85_000] * 10 + [80_000] * 8 + [78_000] * 8 + [76_500] * 6


def _month_ends(
    engine: sa.Engine,
    area: str,
    counts: list[int],
    *,
    first: str = "2009-01",
    network: str = "phs",
) -> None:
    with session_scope(engine, write=True) as session:
        for i, lines in enumerate(counts):
            session.add(
                MonthlySnapshot(
                    area_code=area,
                    month=add_months(first, i),
                    operator_code="telecom",
                    network_code=network,
                    status="active",
                    lines=lines,
                )
            )


def test_a_retiring_network_has_no_bound_above_its_last_count_in_any_region(
    engine: sa.Engine, session: Session
) -> None:
    _month_ends(engine, "0551", STAIRCASE)  # PHS: the regulator's deadline, no plan here
    _month_ends(engine, "020", STAIRCASE, network="fixed")  # copper: no deadline, no plan

    retiring = desk_stats.forecast(session, REGULATOR, area_code="0551", horizon=60)
    selling = desk_stats.forecast(session, REGULATOR, area_code="020", network="fixed", horizon=60)

    assert retiring.closed and not selling.closed
    assert max(p.hi95 for p in selling.points) > STAIRCASE[-1]
    for p in retiring.points:
        assert max(p.expected, p.lo80, p.hi80, p.lo95, p.hi95) <= STAIRCASE[-1]


def test_a_network_without_a_deadline_is_closed_where_every_region_has_a_plan(
    engine: sa.Engine,
) -> None:
    _month_ends(engine, "0551", STAIRCASE[:3], network="fixed")
    _month_ends(engine, "020", STAIRCASE[:3], network="fixed")
    set_plan(engine, "0551", network="fixed", announced=date(2011, 1, 1))

    with session_scope(engine) as session:
        region = stats.closed_to_new_users(session, network_code="fixed", area_code="0551")
        before = stats.closed_to_new_users(session, network_code="fixed")
    set_plan(engine, "020", network="fixed", announced=date(2011, 1, 1))
    with session_scope(engine) as session:
        after = stats.closed_to_new_users(session, network_code="fixed")

    assert region and not before and after


def test_a_region_with_a_few_month_ends_follows_the_national_shape_and_says_so(
    engine: sa.Engine, session: Session
) -> None:
    _month_ends(engine, "0551", [30_000, 29_000, 28_500], first="2011-05")

    found = desk_stats.forecast(session, REGULATOR, area_code="0551", horizon=6)

    assert found.shape_from == "phs:national"
    assert any("follows the shape of phs:national" in note for note in found.notes)
    assert found.coverage is not None and found.coverage.source == "phs:national"
    assert [p.month for p in found.points] == [add_months("2011-07", i) for i in range(1, 7)]
    assert all(b.expected < a.expected for a, b in itertools.pairwise(found.points))
