"""Send notices of a retirement phase to lines and find the lines told too late."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.errors import InputInvalidError, NotFoundError
from sunset.kit.numbers import display
from sunset.notices import repository
from sunset.notices.vocabulary import Channel
from sunset.plans import service as plans
from sunset.plans.vocabulary import DATED_PHASES


def send_phase_notice(
    session: Session,
    *,
    area_code: str,
    network_code: str,
    phase: str,
    channel: Channel,
    today: date,
) -> int:
    """Record that every live line of the network was told of ``phase`` today by ``channel``."""
    if phase not in {p.value for p in DATED_PHASES}:
        raise InputInvalidError(
            f"unknown phase {phase!r}; one of {', '.join(p.value for p in DATED_PHASES)}"
        )
    return repository.record_for_live_lines(
        session,
        area_code=area_code,
        network_code=network_code,
        phase=phase,
        channel=channel.value,
        day=today,
    )


@dataclass(frozen=True)
class LateNotice:
    """A live line not told of the retirement in time, and when it may be switched off."""

    number: str
    first_notice: date | None
    earliest_switch_off: date | None


@dataclass(frozen=True)
class LateNoticeReport:
    """Lines whose switch-off waits for their own notice period."""

    area_code: str
    network: str
    switched_off: date | None
    minimum_notice_days: int
    count: int
    lines: list[LateNotice]


def late_notice_report(
    session: Session, *, area_code: str, network_code: str, limit: int = 100
) -> LateNoticeReport:
    """List live lines not told at least the minimum period before the plan's switch-off."""
    dates = plans.plan_dates(session, area_code=area_code, network_code=network_code)
    if dates.switched_off is None:
        raise NotFoundError(f"the plan for {network_code} in {area_code} has no switch-off date")
    days = get_settings().min_notice_days
    count, rows = repository.late_or_missing(
        session,
        area_code=area_code,
        network_code=network_code,
        noticed_by=dates.switched_off - timedelta(days=days),
        limit=limit,
    )
    return LateNoticeReport(
        area_code,
        network_code,
        dates.switched_off,
        days,
        count,
        [
            LateNotice(display(n), first, first + timedelta(days=days) if first else None)
            for n, first in rows
        ],
    )
