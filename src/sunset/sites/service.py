"""Use cases of base stations: a status change (and its credits), the band, plan and impact."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.errors import InputInvalidError, NotFoundError
from sunset.kit.money import format_yuan
from sunset.kit.numbers import display
from sunset.lines.models import Line
from sunset.sites import history, jobs, repository
from sunset.sites.models import BaseStation
from sunset.sites.schemas import (
    BandState,
    ImpactedLine,
    OutageCheck,
    PlannedSite,
    SiteImpact,
    SitePlan,
    StatusRecorded,
)
from sunset.sites.vocabulary import SiteStatus


def get_or_raise(session: Session, site_id: str) -> BaseStation:
    """Return a base station or explain that it is unknown."""
    site = repository.get(session, site_id)
    if site is None:
        raise NotFoundError(f"no base station {site_id!r}: import it with `sunset import sites`")
    return site


def record_status(
    session: Session, *, site_id: str, status: str, since: date, today: date
) -> StatusRecorded:
    """Record a site's status from a day on; credit months already charged for its outages."""
    if status not in {s.value for s in SiteStatus}:
        known = ", ".join(s.value for s in SiteStatus)
        raise InputInvalidError(f"unknown site status {status!r} (known: {known})")
    if since > today:
        raise InputInvalidError(
            f"{since} is after today ({today}): record what happened", field="since"
        )
    site = get_or_raise(session, site_id)
    repository.save_change(session, site, history.Change(since, status), recorded_on=today)
    changes = repository.history(session, site)
    repository.replace_outages(session, site, history.outages(changes))
    site.status = history.status_on(changes, today) or site.status
    credits = jobs.credit_stretch(
        session,
        area_code=site.area_code,
        months=history.months_between(since, today),
        entry_date=today,
        sites=[site_id],
    ).entries
    session.flush()
    return StatusRecorded(
        site_id=site_id,
        area_code=site.area_code,
        status=status,
        since=since,
        current_status=site.status,
        credits=credits,
    )


def bands(session: Session, *, today: date | None) -> list[BandState]:
    """Say for each (local network, network) with sites whether its band is clear on ``today``
    (None: by each site's latest status)."""
    changes = repository.sites_with_history(session)
    grouped: dict[tuple[str, str], list[str | None]] = defaultdict(list)
    for site in repository.list_sites(session):
        recorded = changes.get((site.area_code, site.site_id))
        on_day = history.status_on(recorded, today) if recorded and today else None
        status = on_day or site.status
        grouped[(site.area_code, site.network_code)].append(status)
    return [
        BandState(
            area_code=area,
            network=network,
            sites=len(statuses),
            on_air=sum(s not in history.SILENT for s in statuses),
            cleared=history.is_cleared(statuses),
        )
        for (area, network), statuses in sorted(grouped.items())
    ]


def plan(
    session: Session, *, area_code: str, budget_fen: int | None, operator_code: str | None = None
) -> SitePlan:
    """Rank the sites still serving a region (those ``operator_code`` sees, when given) for
    switch-off, with cost and saving."""
    sites = [
        s
        for s in repository.list_sites(session, area_code=area_code, operator_code=operator_code)
        if s.status not in history.SILENT
    ]
    if not sites:
        raise NotFoundError(f"no base station still serving in local network {area_code}")
    served = repository.live_lines_by_site(session, area_code=area_code)
    ranked = history.switch_off_order(
        [history.SiteLoad(s.site_id, s.monthly_upkeep_fen, served.get(s.site_id, 0)) for s in sites]
    )
    per_line = get_settings().site_migration_cost_yuan * 100
    steps = history.plan_steps(ranked, migration_cost_fen=per_line, budget_fen=budget_fen)
    status = {s.site_id: s.status for s in sites}
    return SitePlan(
        area_code=area_code,
        budget=None if budget_fen is None else format_yuan(budget_fen),
        sites=[_planned(i, step, status[step.load.site_id]) for i, step in enumerate(steps, 1)],
        monthly_saving=[format_yuan(s.saving_fen) for s in steps if s.within_budget],
    )


def _planned(rank: int, step: history.PlanStep, status: str) -> PlannedSite:
    load = step.load
    return PlannedSite(
        rank=rank,
        site_id=load.site_id,
        status=status,
        monthly_upkeep=format_yuan(load.upkeep_fen),
        live_lines=load.lines,
        upkeep_per_line=format_yuan(load.upkeep_per_line_fen),
        migration_cost=format_yuan(step.cost_fen),
        cumulative_cost=format_yuan(step.cumulative_cost_fen),
        saving_per_month=format_yuan(step.saving_fen),
        within_budget=step.within_budget,
    )


def impact(
    session: Session,
    *,
    site_id: str,
    offers_of: Callable[[Line], list[str]],
    operator_code: str | None = None,
) -> SiteImpact:
    """List the live lines (of one operator when given) that lose service when the site goes,
    with their flags and the offers ``offers_of`` finds each eligible for."""
    site = get_or_raise(session, site_id)
    lines = repository.live_lines_of(session, site, operator_code=operator_code)
    shown = [
        ImpactedLine(
            number=display(line.number),
            status=line.status,
            vulnerable=line.vulnerable,
            eligible_offers=offers_of(line),
        )
        for line in lines
    ]
    return SiteImpact(
        site_id=site_id,
        area_code=site.area_code,
        live_lines=len(lines),
        vulnerable_lines=sum(line.vulnerable != "none" for line in lines),
        lines=shown,
    )


def credit_line_outages(session: Session, *, line: Line, today: date) -> OutageCheck:
    """Check a line's home site history and credit every charged day it was out (idempotent)."""
    site = repository.get(session, line.home_site) if line.home_site else None
    first = None
    if site is not None:
        first = repository.first_outage(session, area_code=site.area_code, site_id=site.site_id)
    if site is None or first is None:
        return OutageCheck(site_id=line.home_site, had_outage=False, written=0, credited_fen=0)
    written = sum(
        jobs.credit_outages(
            session, area_code=line.area_code, month_start=m, entry_date=today, line_id=line.id
        ).entries
        for m in history.months_between(max(first, line.activated_on), today)
    )
    credited = repository.outage_credited_fen(session, area_code=line.area_code, line_id=line.id)
    return OutageCheck(
        site_id=site.site_id, had_outage=True, written=written, credited_fen=credited
    )
