"""Notices: the ones sent to lines (recorded per line: the switch-off waits for each line's own
notice period), the lines told too late, and the public notices of a plan's phases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.board import service as board
from sunset.board.schemas import NoticeView
from sunset.kit import fields
from sunset.notices import service as notices
from sunset.notices.service import LateNoticeReport
from sunset.notices.vocabulary import Channel

from .common import audit
from .plans import refuse_unless_owner

__all__ = ["LateNoticeReport"]


def send(
    session: Session,
    actor: Actor,
    *,
    area_code: str,
    network: str,
    phase: str,
    channel: Channel,
    today: date,
    now: datetime,
) -> int:
    """Record that every live line of a network was told of a phase today by a channel (once
    per line, phase and channel); the network's operator's planners only."""
    access.require(actor, Permission.WRITE_PLANS)
    area_code = fields.required_text(area_code, field="area_code", limit=5)
    refuse_unless_owner(session, actor, area_code=area_code, network=network)
    count = notices.send_phase_notice(
        session,
        area_code=area_code,
        network_code=network,
        phase=phase,
        channel=channel,
        today=today,
    )
    audit(
        session,
        actor,
        action="notice.send",
        target=f"{area_code}/{network}",
        before=None,
        after={"phase": phase, "channel": channel.value, "lines": count},
        now=now,
    )
    return count


def late_report(
    session: Session, actor: Actor, *, area_code: str, network: str
) -> LateNoticeReport:
    """List the live lines not told at least the minimum notice period before the switch-off."""
    access.require(actor, Permission.READ_PLANS)
    return notices.late_notice_report(session, area_code=area_code, network_code=network)


def publish(
    session: Session, actor: Actor, *, area_code: str, network: str, today: date, now: datetime
) -> list[NoticeView]:
    """Publish the public notice of every dated phase of a region's plan (once per phase and
    date; setting a plan does it too)."""
    access.require(actor, Permission.WRITE_PLANS)
    refuse_unless_owner(session, actor, area_code=area_code, network=network)
    found = board.publish_plan_notices(
        session, area_code=area_code, network_code=network, today=today
    )
    audit(
        session,
        actor,
        action="notice.publish",
        target=f"{area_code}/{network}",
        before=None,
        after={"notices": [n.id for n in found]},
        now=now,
    )
    return found
