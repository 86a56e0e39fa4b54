"""Every select and insert of notices sent to lines."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, insert, literal, select
from sqlalchemy.orm import Session

from sunset.db import execute_counted, table_of
from sunset.lines.models import Line
from sunset.lines.repository import live_in
from sunset.notices.models import NoticeSent


def record_for_live_lines(
    session: Session, *, area_code: str, network_code: str, phase: str, channel: str, day: date
) -> int:
    """Record a notice of ``phase`` by ``channel`` on ``day`` to every live line not yet sent it."""
    lines, notices = table_of(Line), table_of(NoticeSent)
    already = exists().where(
        notices.c.area_code == lines.c.area_code,
        notices.c.line_id == lines.c.id,
        notices.c.phase == phase,
        notices.c.channel == channel,
    )
    chosen = select(
        lines.c.area_code, lines.c.id, literal(phase), literal(channel), literal(day)
    ).where(live_in(area_code, network_code), ~already)
    columns = ["area_code", "line_id", "phase", "channel", "sent_on"]
    return execute_counted(session, insert(notices).from_select(columns, chosen))


def record_for_line(session: Session, *, line: Line, phase: str, channel: str, day: date) -> None:
    """Record one notice to one line."""
    session.add(
        NoticeSent(
            area_code=line.area_code, line_id=line.id, phase=phase, channel=channel, sent_on=day
        )
    )
    session.flush()


def late_or_missing(
    session: Session, *, area_code: str, network_code: str, noticed_by: date, limit: int
) -> tuple[int, list[tuple[str, date | None]]]:
    """Live lines told nothing by ``noticed_by``: how many, and the first (number, first notice)."""
    lines, notices = table_of(Line), table_of(NoticeSent)
    first = (
        select(func.min(notices.c.sent_on))
        .where(notices.c.area_code == lines.c.area_code, notices.c.line_id == lines.c.id)
        .scalar_subquery()
    )
    timely = exists().where(
        and_(
            notices.c.area_code == lines.c.area_code,
            notices.c.line_id == lines.c.id,
            notices.c.sent_on <= noticed_by,
        )
    )
    where = and_(live_in(area_code, network_code), ~timely)
    count = session.scalar(select(func.count()).select_from(lines).where(where)) or 0
    rows = session.execute(
        select(lines.c.number, first).where(where).order_by(lines.c.number).limit(limit)
    ).all()
    return count, [(r[0], r[1]) for r in rows]


def told_by(day: date) -> ColumnElement[bool]:
    """Lines sent a notice on or before ``day`` (a condition on the lines table)."""
    lines, notices = table_of(Line), table_of(NoticeSent)
    return exists().where(
        notices.c.area_code == lines.c.area_code,
        notices.c.line_id == lines.c.id,
        notices.c.sent_on <= day,
    )


def next_told_in_time(
    session: Session, *, area_code: str, network_code: str, after: date, notice_days: int
) -> date | None:
    """Return the next day after ``after`` on which a live line told late has had its full
    notice period: its first notice plus ``notice_days``."""
    lines, notices = table_of(Line), table_of(NoticeSent)
    first_notice = (
        select(func.min(notices.c.sent_on))
        .where(notices.c.area_code == lines.c.area_code, notices.c.line_id == lines.c.id)
        .scalar_subquery()
    )
    notice_from = session.scalar(
        select(func.min(first_notice)).where(
            live_in(area_code, network_code), first_notice > after - timedelta(notice_days)
        )
    )
    return notice_from + timedelta(days=notice_days) if notice_from else None


def notices_of_line(session: Session, *, area_code: str, line_id: int) -> list[NoticeSent]:
    """Return the notices sent to one line, oldest first."""
    return list(
        session.scalars(
            select(NoticeSent)
            .where(NoticeSent.area_code == area_code, NoticeSent.line_id == line_id)
            .order_by(NoticeSent.sent_on, NoticeSent.id)
        )
    )
