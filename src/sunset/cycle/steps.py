"""The cycle's two set-based steps in one local network on one day: the switch-off sweep and the
month-end. Each composes the steps the domains offer (lines, ledger, notices, sites, offers) and
returns what it did into the month's counters."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.cycle.report import AreaMonth
from sunset.ledger import repository as ledger
from sunset.lines import repository as lines
from sunset.notices import repository as notices
from sunset.offers import repository as offers
from sunset.plans.rules import PlanDates
from sunset.plans.vocabulary import Phase
from sunset.sites.jobs import credit_outages


def switch_off_candidates(
    area_code: str, network_code: str, *, day: date, noticed_by: date
) -> ColumnElement[bool]:
    """Live lines that may be switched off on ``day``: nothing of their own holds them back (a
    vulnerable line's replacement unconfirmed, an exemption) and they were told of the
    retirement on or before ``noticed_by`` (the day minus the minimum notice period): a line
    told late waits out its own notice period."""
    return and_(
        lines.live_in(area_code, network_code), lines.free_to_go(day), notices.told_by(noticed_by)
    )


def next_switch_off_day(
    session: Session, *, area_code: str, network_code: str, after: date, notice_days: int
) -> date | None:
    """Return the next day after ``after`` on which a held-back live line becomes free to go:
    its exemption over, its replacement confirmed, or its own notice period run out."""
    candidates = [
        lines.next_release_from_hold(
            session, area_code=area_code, network_code=network_code, after=after
        ),
        notices.next_told_in_time(
            session,
            area_code=area_code,
            network_code=network_code,
            after=after,
            notice_days=notice_days,
        ),
    ]
    return min((d for d in candidates if d is not None), default=None)


def switch_off(
    session: Session, area_code: str, network_code: str, day: date, stats: AreaMonth
) -> date | None:
    """Terminate the lines that may go today: charge their last days, refund their balances,
    quarantine their numbers. Return the next day a held-back line becomes free to go."""
    settings = get_settings()
    which = switch_off_candidates(
        area_code, network_code, day=day, noticed_by=day - timedelta(days=settings.min_notice_days)
    )
    lines.lock(session, which)  # a top-up racing the switch-off waits, then finds the line gone
    stats.charges += ledger.charge_lines(
        session,
        area_code=area_code,
        which=which,
        month_start=day.replace(day=1),
        stop=day,
        days_in_month=calendar.monthrange(day.year, day.month)[1],
        entry_date=day,
    ).entries
    refunded = ledger.refund_lines(
        session,
        area_code=area_code,
        which=which,
        day=day,
        reason=f"switch-off of {network_code} in {area_code}",
    )
    stats.refunds += refunded.entries
    stats.refunded_fen += -refunded.fen
    lines.quarantine_numbers(
        session, which=which, day=day, until=day + timedelta(days=settings.quarantine_days)
    )
    stats.switched_off += lines.terminate(session, which=which, day=day)
    return next_switch_off_day(
        session,
        area_code=area_code,
        network_code=network_code,
        after=day,
        notice_days=settings.min_notice_days,
    )


def month_end(
    session: Session, area_code: str, day: date, plans: dict[str, PlanDates], stats: AreaMonth
) -> None:
    """Charge the month's days of service and credit its days without; end the kept tariffs
    that end with it; suspend the prepaid lines that top-ups can no longer refill."""
    month_start = day.replace(day=1)
    next_day = day + timedelta(days=1)
    stats.charges += ledger.charge_lines(
        session,
        area_code=area_code,
        which=lines.live_in_area(area_code, before=next_day),
        month_start=month_start,
        stop=next_day,
        days_in_month=day.day,
        entry_date=day,
        whole_area=True,
    ).entries
    stats.credits += credit_outages(
        session, area_code=area_code, month_start=month_start, entry_date=day
    ).entries
    # Lines that kept their old tariff after a migration move to the offer's plan fee next month.
    offers.end_kept_tariffs(session, area_code=area_code, from_day=next_day)
    for network_code, plan in plans.items():
        refusing = plan.is_at_least(Phase.TOPUPS_REFUSED, next_day)
        if refusing and not plan.is_at_least(Phase.SWITCHED_OFF, next_day):
            stats.suspended += lines.suspend_uncovered(
                session, area_code=area_code, network_code=network_code, day=next_day
            )
