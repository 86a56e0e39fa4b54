"""The overview and the region page: pre-aggregated, never a scan of the lines table.

Every figure comes from the plans (one row per region and network), the month-end snapshots
(one row per region, month, operator, network and status) and the base stations, so a page
costs the same with 20 M lines as with 20. Anyone may see the phases, the deadline and the
notices; remaining lines and sites need READ_STATS / READ_SITES and are the actor's operator's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session

from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.board import service as board
from sunset.board.schemas import NoticeView
from sunset.errors import NotFoundError
from sunset.plans import repository as plans_repo
from sunset.plans import rules as plan_rules
from sunset.plans import service as plans
from sunset.plans.models import RetirementPlan
from sunset.plans.schemas import PlanView
from sunset.reference import repository as reference
from sunset.reference.models import LocalNetwork
from sunset.sites import repository as sites_repo
from sunset.stats import repository as stats_repo
from sunset.stats import rules as stats_rules
from sunset.stats import service as stats_service
from sunset.stats.rules import add_months, parse_month

TREND_MONTHS = 6  # the region page's table
SPARK_MONTHS = 12  # the overview's sparkline
# The overview's order, furthest behind first: past the switch-off day with lines left (most
# days first), behind the plan's path (most lines first), no switch-off date (most lines first),
# on plan, cleared.
STANDING_ORDER = {"overdue": 0, "behind": 1, "no_date": 2, "no_plan": 2, "on_plan": 3, "cleared": 4}


class TrendPoint(BaseModel):
    """Remaining lines at one month-end."""

    month: str
    remaining: int


class RegionRow(BaseModel):
    """One region and network on the overview: phase, deadline, remaining lines and trend."""

    area_code: str
    city: str
    city_zh: str
    network: str
    phase: str
    switched_off: date | None
    deadline: date | None
    deadline_status: str
    remaining: int | None = None
    change: int | None = None
    trend: list[TrendPoint] = []
    days_past_deadline: int | None = None
    # Against its own plan (staff, with figures): see plans.rules.plan_standing; ``no_plan`` for
    # a region holding lines without a plan.
    standing: str | None = None
    lines_behind: int = 0
    days_behind: int = 0
    planned: int | None = None
    sparkline: list[TrendPoint] = []


class Overview(BaseModel):
    """Every region with a plan; figures (lines of ``network``) as of the last month-end."""

    today: date
    last_month: str | None
    operator: str | None
    with_figures: bool
    regions: list[RegionRow]
    remaining: int | None
    network: str = "phs"
    retiring: list[str] = []  # every network being retired (a page per network)


class RegionPage(BaseModel):
    """One region: its plan, its notices, its base stations by status, its trend."""

    row: RegionRow
    plan: PlanView
    notices: list[NoticeView]
    sites: dict[str, int] | None
    sites_total: int | None


def _trends(
    session: Session, actor: Actor, network: str, area_code: str | None = None
) -> tuple[str | None, dict[str, list[TrendPoint]]]:
    """Return the last month-end recorded and every region's live lines at each month-end."""
    last = stats_repo.last_month(session)
    if last is None:
        return None, {}
    found: dict[str, list[TrendPoint]] = defaultdict(list)
    for area, month, live in sorted(
        stats_repo.live_by_month(
            session,
            by="region",
            area_code=area_code,
            network_code=network,
            operator_code=actor.operator,
        ),
        key=lambda r: (r[0], r[1]),
    ):
        found[area].append(TrendPoint(month=month, remaining=live))
    return last, found


def month_end(month: str) -> date:
    """Return the last day of a month (YYYY-MM)."""
    return parse_month(add_months(month, 1)) - timedelta(days=1)


def _plan_start(plan: plan_rules.PlanDates, history: list[TrendPoint]) -> tuple[date, int] | None:
    """The start of the plan's path: the last month-end on or before its announcement, else the
    first recorded."""
    if not history:
        return None
    ends = [(month_end(p.month), p.remaining) for p in history]
    before = [e for e in ends if plan.announced is not None and e[0] <= plan.announced]
    return before[-1] if before else ends[0]


def _row(
    plan: plan_rules.PlanDates,
    *,
    local: LocalNetwork,
    network: str,
    deadline: date | None,
    today: date,
    history: list[TrendPoint] | None,
    planned: bool = True,
) -> RegionRow:
    row = RegionRow(
        area_code=local.area_code,
        city=local.city_en,
        city_zh=local.city_zh,
        network=network,
        phase=plan.phase_on(today).value,
        switched_off=plan.switched_off,
        deadline=deadline,
        deadline_status=plan_rules.deadline_status(plan, deadline, today=today),
        days_past_deadline=plan_rules.days_past_deadline(plan, deadline, today=today),
    )
    if history:
        row.trend, row.sparkline = history[-TREND_MONTHS:], history[-SPARK_MONTHS:]
        row.remaining = history[-1].remaining
        row.change = history[-1].remaining - history[-2].remaining if len(history) > 1 else None
        standing = plan_rules.plan_standing(
            plan,
            remaining=row.remaining,
            month_end=month_end(history[-1].month),
            start=_plan_start(plan, history),
            today=today,
        )
        row.standing = standing.status if planned or standing.status == "cleared" else "no_plan"
        row.lines_behind, row.days_behind = standing.lines_behind, standing.days_behind
        row.planned = standing.planned
        if row.standing == "no_plan":
            row.lines_behind = 0
    return row


def _furthest_behind_first(row: RegionRow) -> tuple[int, int, int, int, str]:
    order = STANDING_ORDER.get(row.standing or "", len(STANDING_ORDER))
    return (order, -row.days_behind, -row.lines_behind, -(row.remaining or 0), row.area_code)


def _deadline(session: Session, network: str) -> date | None:
    found = reference.networks(session).get(network)
    if found is None:
        raise NotFoundError(f"no network {network!r}")
    return found.retirement_deadline


def _shown(
    session: Session, network: str | None, plans_all: list[RetirementPlan]
) -> tuple[str, list[str]]:
    """The network a page shows (the one asked for, else the first being retired: a page can
    link the others, where a report must be told which) and every network being retired."""
    planned = [p.network_code for p in plans_all]
    retiring = stats_rules.retiring_networks(planned, []) if planned else []
    if not retiring:
        retiring = stats_service.retiring_networks(session)
    if network is not None:
        return network, retiring
    return (retiring[0] if retiring else stats_service.network_of(session)), retiring


def overview(
    session: Session, actor: Actor, *, today: date, network: str | None = None
) -> Overview:
    """Return every region with a plan or with lines of ``network`` (by default the network
    being retired): its phase today, deadline status and (staff) figures."""
    plans_all = plans_repo.list_all(session)
    network, retiring = _shown(session, network, plans_all)
    with_figures = actor.may(Permission.READ_STATS)
    last, trends = _trends(session, actor, network) if with_figures else (None, {})
    locals_, deadline = reference.local_networks(session), _deadline(session, network)
    planned = {p.area_code: p for p in plans_all if p.network_code == network}
    # Every region with a plan, and every region still holding lines without one (its remaining
    # lines count in the total as much as a planned region's).
    rows = [
        _row(
            plans.dates_of(planned.get(area)),
            local=locals_[area],
            network=network,
            deadline=deadline,
            today=today,
            history=trends.get(area),
            planned=area in planned,
        )
        for area in sorted(planned.keys() | trends.keys())
    ]
    if with_figures:  # the regions furthest behind their plan first
        rows.sort(key=_furthest_behind_first)
    counted = [r.remaining for r in rows if r.remaining is not None]
    return Overview(
        today=today,
        last_month=last,
        operator=actor.operator if with_figures else None,
        with_figures=with_figures,
        regions=rows,
        remaining=sum(counted) if with_figures and counted else None,
        network=network,
        retiring=retiring,
    )


def region(
    session: Session, actor: Actor, *, area_code: str, today: date, network: str | None = None
) -> RegionPage:
    """Return one region's page: plan timeline, notices, sites by status and remaining lines
    of ``network`` (by default the network being retired)."""
    local = reference.local_networks(session).get(area_code)
    if local is None:
        raise NotFoundError(f"no local network with area code {area_code}")
    network = _shown(session, network, plans_repo.list_all(session))[0]
    plan = plans.show_plan(session, area_code=area_code, network_code=network, today=today)
    history: list[TrendPoint] | None = None
    if actor.may(Permission.READ_STATS):
        history = _trends(session, actor, network, area_code)[1].get(area_code)
    dates = plans.plan_dates(session, area_code=area_code, network_code=network)
    sites: dict[str, int] | None = None
    if actor.may(Permission.READ_SITES):
        sites = dict(
            Counter(
                s.status
                for s in sites_repo.list_sites(session, area_code=area_code)
                if s.network_code == network
                and (actor.operator is None or s.operator_code == actor.operator)
            )
        )
    return RegionPage(
        row=_row(
            dates,
            local=local,
            network=network,
            deadline=_deadline(session, network),
            today=today,
            history=history,
            planned=any(p.starts_on for p in plan.phases),
        ),
        plan=plan,
        notices=board.list_notices(session, area_code=area_code),
        sites=sites,
        sites_total=sum(sites.values()) if sites is not None else None,
    )
