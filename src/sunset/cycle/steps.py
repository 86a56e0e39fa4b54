"""The cycle's two set-based steps in one local network on one day: the switch-off sweep and the
month-end. Each composes the steps the domains offer (lines, ledger, notices, sites, offers) and
returns what it did into the month's counters. Closing many lines at their owners' request
(``close_lines``) is the switch-off's sequence for lines that chose to go."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.cycle.report import AreaMonth
from sunset.ledger import repository as ledger
from sunset.ledger.service import refuse_if_closed
from sunset.lines import repository as lines
from sunset.lines.models import Line
from sunset.lines.vocabulary import LIVE_STATUSES
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
    closed = _close(
        session,
        area_code=area_code,
        which=which,
        day=day,
        reason=f"switch-off of {network_code} in {area_code}",
    )
    stats.charges += closed.charges
    stats.refunds += closed.refunds
    stats.refunded_fen += closed.refunded_fen
    stats.switched_off += closed.lines
    return next_switch_off_day(
        session,
        area_code=area_code,
        network_code=network_code,
        after=day,
        notice_days=settings.min_notice_days,
    )


@dataclass(frozen=True)
class Closed:
    """What closing a set of lines did: lines closed, their last days charged, refunds written
    and their amount (fen, positive)."""

    lines: int = 0
    charges: int = 0
    refunds: int = 0
    refunded_fen: int = 0

    def __add__(self, other: Closed) -> Closed:
        return Closed(
            self.lines + other.lines,
            self.charges + other.charges,
            self.refunds + other.refunds,
            self.refunded_fen + other.refunded_fen,
        )


def close_lines(
    session: Session, *, area_code: str, line_ids: Sequence[int], day: date, reason: str
) -> Closed:
    """Terminate the chosen lines of a local network on ``day`` at their owners' request: the
    switch-off's steps for lines that chose to go. A line no longer live is left alone, so
    closing the same lines again closes nothing twice; a day the cycle has already run through
    is refused (``DATE_BEFORE_CYCLE``), as for one line. Lines leaving on the 1st used no day of
    the month and get no charge (no statement for no day)."""
    refuse_if_closed(session, area_code=area_code, day=day, what=f"closing {len(line_ids):,} lines")
    done = Closed()
    for start in range(0, len(line_ids), lines.IDS_A_STATEMENT):
        chunk = [int(i) for i in line_ids[start : start + lines.IDS_A_STATEMENT]]
        which = and_(
            Line.area_code == area_code, Line.id.in_(chunk), Line.status.in_(LIVE_STATUSES)
        )
        done += _close(
            session, area_code=area_code, which=which, day=day, reason=reason, charge=day.day > 1
        )
    return done


def _close(
    session: Session,
    *,
    area_code: str,
    which: ColumnElement[bool],
    day: date,
    reason: str,
    charge: bool = True,
) -> Closed:
    """Close the chosen lines on ``day``: lock them (a top-up racing the close waits, then finds
    the line gone), charge their days of this month before ``day``, refund their balances,
    quarantine their numbers, mark them terminated."""
    lines.lock(session, which)
    charges = 0
    if charge:
        charges = ledger.charge_lines(
            session,
            area_code=area_code,
            which=which,
            month_start=day.replace(day=1),
            stop=day,
            days_in_month=calendar.monthrange(day.year, day.month)[1],
            entry_date=day,
        ).entries
    refunded = ledger.refund_lines(
        session, area_code=area_code, which=which, day=day, reason=reason
    )
    lines.quarantine_numbers(
        session, which=which, day=day, until=day + timedelta(days=get_settings().quarantine_days)
    )
    closed = lines.terminate(session, which=which, day=day)
    return Closed(closed, charges, refunded.entries, -refunded.fen)


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
