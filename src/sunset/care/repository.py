"""Every select and insert of complaints."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
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


def pending_due_before(session: Session, today: date) -> list[Complaint]:
    """Return pending complaints whose deadline has passed, oldest deadline first."""
    query = (
        select(Complaint)
        .where(Complaint.status.in_(PENDING), Complaint.due_on < today)
        .order_by(Complaint.due_on, Complaint.id)
    )
    return list(session.scalars(query))
