"""Every select and insert of complaints."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from sunset.care.models import Complaint
from sunset.care.vocabulary import PENDING
from sunset.lines import repository as lines
from sunset.lines.models import Line


def latest_line(session: Session, e164: str) -> Line | None:
    """Return the most recent line that held a number (live or not): the live one through the
    index of live numbers, else (a closed line, rarer) by a search of every line."""
    live = lines.get_live(session, e164)
    if live is not None:
        return live
    query = select(Line).where(Line.number == e164).order_by(Line.id.desc()).limit(1)
    return session.scalar(query)


def line_of(session: Session, complaint: Complaint) -> Line:
    """Return the line a complaint is about."""
    line = session.get(Line, complaint.line_id)
    assert line is not None, "a complaint always names a stored line"
    return line


def add(session: Session, complaint: Complaint) -> None:
    """Store a new complaint."""
    session.add(complaint)
    session.flush()


def get(session: Session, complaint_id: int) -> Complaint | None:
    """Return a complaint by id."""
    return session.get(Complaint, complaint_id)


def list_all(session: Session, *, area_code: str | None = None) -> list[Complaint]:
    """Return complaints (of one region), oldest first."""
    query = select(Complaint).order_by(Complaint.id)
    if area_code is not None:
        query = query.where(Complaint.area_code == area_code)
    return list(session.scalars(query))


def _of_operator(query: Select[Any], operator_code: str | None) -> Select[Any]:
    """Narrow a query on complaints to the lines of one operator (None: every operator)."""
    if operator_code is None:
        return query
    return query.join(
        Line, and_(Line.area_code == Complaint.area_code, Line.id == Complaint.line_id)
    ).where(Line.operator_code == operator_code)


def pending_due_before(
    session: Session, today: date, *, operator_code: str | None = None
) -> list[Complaint]:
    """Return pending complaints (on one operator's lines when given) whose deadline has
    passed, oldest deadline first."""
    query: Select[Any] = select(Complaint).where(
        Complaint.status.in_(PENDING), Complaint.due_on < today
    )
    query = _of_operator(query, operator_code).order_by(Complaint.due_on, Complaint.id)
    return list(session.scalars(query))


def page(
    session: Session,
    *,
    operator_code: str | None,
    status: str | None = None,
    kind: str | None = None,
    area_code: str | None = None,
    limit: int,
    offset: int,
) -> list[Complaint]:
    """Return a page of complaints, filtered, pending ones by deadline first, then the rest."""
    query: Select[Any] = select(Complaint)
    for column, value in (
        (Complaint.status, status),
        (Complaint.kind, kind),
        (Complaint.area_code, area_code),
    ):
        if value is not None:
            query = query.where(column == value)
    closed = case((Complaint.status.in_(PENDING), 0), else_=1)
    query = _of_operator(query, operator_code).order_by(closed, Complaint.due_on, Complaint.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def daily_counts(
    session: Session, *, operator_code: str | None = None
) -> list[tuple[date, str, str, int, int]]:
    """Count complaints by day opened, region and kind: (day, area, kind, all, pending)."""
    pending = func.sum(case((Complaint.status.in_(PENDING), 1), else_=0))
    query = select(
        Complaint.opened_on, Complaint.area_code, Complaint.kind, func.count(), pending
    ).group_by(Complaint.opened_on, Complaint.area_code, Complaint.kind)
    rows = session.execute(_of_operator(cast(Select[Any], query), operator_code))
    return [(d, a, k, int(n), int(p or 0)) for d, a, k, n, p in rows]
