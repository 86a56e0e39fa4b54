"""The overview is pre-aggregated: a handful of queries whatever the number of regions and
months, none of them on the lines table; staff see their own operator's figures."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from tests.factories import set_plan

from sunset.access.rules import Actor
from sunset.access.vocabulary import Role
from sunset.db import session_scope
from sunset.errors import InputInvalidError
from sunset.reference import repository as reference
from sunset.stats.models import MonthlySnapshot
from sunset.stats.rules import add_months
from sunset.usecases import dashboard
from sunset.usecases import stats as desk_stats

TODAY = date(2011, 9, 15)
REGULATOR = Actor(1, "regulator", Role.REGULATOR, None)
UNICOM_PLANNER = Actor(2, "planner.unicom", Role.PLANNER, "unicom")
VISITOR = Actor.anonymous()


def _world(engine: sa.Engine, months: int = 36) -> list[str]:
    """Plan every local network; record ``months`` month-ends of two operators and statuses."""
    with session_scope(engine) as session:
        areas = sorted(reference.local_networks(session))
    for area in areas:
        set_plan(engine, area, announced=date(2011, 1, 1), switched_off=date(2011, 12, 31))
    with session_scope(engine, write=True) as session:
        for i in range(months):
            month = add_months("2008-09", i)
            for area in areas:
                for operator, status, lines in (
                    ("telecom", "active", 1000 - i),
                    ("telecom", "suspended", 10),
                    ("unicom", "active", 500 - i),
                    ("unicom", "terminated", i),
                ):
                    session.add(
                        MonthlySnapshot(
                            area_code=area,
                            month=month,
                            operator_code=operator,
                            network_code="phs",
                            status=status,
                            lines=lines,
                        )
                    )
    return areas


def _statements(engine: sa.Engine) -> tuple[list[str], object]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    return seen, record


def test_overview_costs_a_few_queries_and_never_reads_the_lines(
    engine: sa.Engine, session: Session
) -> None:
    areas = _world(engine)
    seen, record = _statements(engine)
    try:
        found = dashboard.overview(session, REGULATOR, today=TODAY)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert len(found.regions) == len(areas)
    assert len(seen) <= 6, seen
    assert not [s for s in seen if re.search(r"\bFROM lines\b", s, re.IGNORECASE)]


def test_overview_figures_are_the_last_month_end_and_the_trend(
    engine: sa.Engine, session: Session
) -> None:
    _world(engine)
    found = dashboard.overview(session, REGULATOR, today=TODAY)
    hefei = next(r for r in found.regions if r.area_code == "0551")
    assert found.last_month == "2011-08"
    assert hefei.phase == "announced" and hefei.deadline_status == "on_track"
    # 35 months on: telecom 965 active + 10 suspended, unicom 465 active (terminated not live)
    assert hefei.remaining == 965 + 10 + 465
    assert hefei.change == -2
    assert [p.month for p in hefei.trend] == [add_months("2011-03", i) for i in range(6)]


def test_an_operators_staff_see_that_operators_lines_and_visitors_none(
    engine: sa.Engine, session: Session
) -> None:
    _world(engine, months=2)
    own = dashboard.overview(session, UNICOM_PLANNER, today=TODAY)
    public = dashboard.overview(session, VISITOR, today=TODAY)
    assert {r.remaining for r in own.regions} == {499}
    assert public.remaining is None and all(r.remaining is None for r in public.regions)
    assert {r.phase for r in public.regions} == {"announced"}


def test_a_region_with_no_live_line_left_has_no_forecast_but_a_chart_saying_so(
    engine: sa.Engine, session: Session
) -> None:
    with session_scope(engine, write=True) as writing:
        for month in ("2011-06", "2011-07", "2011-08"):
            writing.add(
                MonthlySnapshot(
                    area_code="0551",
                    month=month,
                    operator_code="telecom",
                    network_code="phs",
                    status="terminated",
                    lines=40,
                )
            )
    with pytest.raises(InputInvalidError, match="nothing to forecast"):
        desk_stats.forecast(session, REGULATOR, area_code="0551")
    chart = desk_stats.forecast_png(session, REGULATOR, area_code="0551")
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_region_holding_lines_without_a_plan_is_shown_and_counted(
    engine: sa.Engine, session: Session
) -> None:
    with session_scope(engine, write=True) as writing:
        for area, lines in (("0551", 700), ("020", 300)):
            writing.add(
                MonthlySnapshot(
                    area_code=area,
                    month="2011-08",
                    operator_code="telecom",
                    network_code="phs",
                    status="active",
                    lines=lines,
                )
            )
    set_plan(engine, "0551", announced=date(2011, 1, 1), switched_off=date(2011, 12, 31))
    found = dashboard.overview(session, REGULATOR, today=TODAY)
    by_area = {r.area_code: r for r in found.regions}
    assert by_area["020"].phase == "in_service" and by_area["020"].remaining == 300
    assert found.remaining == 1000


def test_overview_puts_the_regions_furthest_behind_their_own_plan_first(
    engine: sa.Engine, session: Session
) -> None:
    """As at the end of the demo: past their switch-off with lines left (most days first), then
    behind the path (most lines first), then without a switch-off date, on plan, cleared."""
    plans = {
        "0565": {"announced": date(2011, 6, 1), "switched_off": date(2012, 1, 10)},
        "0311": {"announced": date(2011, 9, 1), "switched_off": date(2012, 2, 15)},
        "023": {"announced": date(2011, 5, 1), "switched_off": date(2012, 12, 20)},
        "0551": {"announced": date(2012, 1, 1), "switched_off": date(2013, 6, 30)},
        "025": {"announced": date(2012, 6, 1), "switched_off": date(2013, 12, 31)},
        "0757": {"announced": date(2011, 1, 10), "no_new_sales": date(2011, 2, 1)},
        "0898": {"announced": date(2011, 1, 15), "switched_off": date(2012, 9, 30)},
    }
    lines = {  # at the month-ends 2011-12, 2012-05, 2012-12
        "0565": (800, 5, 5),
        "0311": (900, 3, 3),
        "023": (9000, 6000, 40),
        "0551": (1000, 950, 900),
        "025": (1200, 1000, 600),
        "0757": (700, 600, 500),
        "0898": (400, 300, 0),
        "020": (3000, 2500, 2000),
    }
    for area, dates in plans.items():
        set_plan(engine, area, **dates)  # type: ignore[arg-type]
    with session_scope(engine, write=True) as writing:
        for area, counts in lines.items():
            for month, count in zip(("2011-12", "2012-05", "2012-12"), counts, strict=True):
                writing.add(
                    MonthlySnapshot(
                        area_code=area,
                        month=month,
                        operator_code="telecom",
                        network_code="phs",
                        status="active",
                        lines=count,
                    )
                )

    found = dashboard.overview(session, REGULATOR, today=date(2012, 12, 31))

    shown = [(r.area_code, r.standing, r.days_behind, r.lines_behind) for r in found.regions]
    assert shown == [
        ("0565", "overdue", 356, 5),
        ("0311", "overdue", 320, 3),
        ("023", "overdue", 11, 40),
        # 1,000 on 2011-12-31 to none on 2013-06-30: 331 allowed on 2012-12-31.
        ("0551", "behind", 0, 900 - 331),
        ("020", "no_plan", 0, 0),
        ("0757", "no_date", 0, 0),
        ("025", "on_plan", 0, 0),
        ("0898", "cleared", 0, 0),
    ]
    by_area = {r.area_code: r for r in found.regions}
    assert by_area["0565"].days_past_deadline == 10  # switched off 10 days after 2011-12-31
    assert by_area["020"].days_past_deadline == 366
    assert [p.month for p in by_area["023"].sparkline] == ["2011-12", "2012-05", "2012-12"]
