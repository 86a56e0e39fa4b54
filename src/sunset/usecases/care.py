"""Complaints: open one, the queue with its deadlines, move one on (with a credit).

Scope: a complaint belongs to the operator of the line it is about. Staff of another operator
are told "not found", as for a complaint that does not exist; the regulator reads them all. The
lists are narrowed to the actor's operator in SQL (a join on the line), never in Python.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from sunset.access import repository as access_repo
from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import MoneyKind, Permission
from sunset.care import repository as care_repo
from sunset.care import service as care
from sunset.care.models import Complaint
from sunset.care.schemas import ComplaintCount, ComplaintView
from sunset.care.vocabulary import ComplaintKind, ComplaintStatus
from sunset.errors import InputInvalidError, NotFoundError
from sunset.kit import fields
from sunset.lines import service as lines
from sunset.sites import service as sites

from . import money
from .common import audit, check_day, scoped_key

__all__ = ["ComplaintCount", "ComplaintKind", "ComplaintStatus", "ComplaintView"]

MAX_PAGE = 200
MOVE = "complaint.move"


class ComplaintPage(BaseModel):
    """A page of complaints."""

    items: list[ComplaintView]
    limit: int
    offset: int


class ComplaintMoved(ComplaintView):
    """A complaint after a move; ``replayed`` when the same key had already moved it;
    ``approval`` when its credit is above the actor's limit and waits for a second person (the
    complaint has not moved yet)."""

    replayed: bool
    approval: int | None = None


def open_complaint(
    session: Session,
    actor: Actor,
    *,
    number: str,
    kind: ComplaintKind,
    text: str,
    today: date,
    now: datetime,
) -> ComplaintView:
    """Open a complaint on a line; one of being charged without service is checked at once
    against its home site's history, every day charged without service credited."""
    access.require(actor, Permission.WRITE_COMPLAINTS)
    words = fields.required_text(text, field="text", limit=care.TEXT_CHARS, multiline=True)
    line = care_repo.latest_line(session, lines.normalise_number(number))
    if line is None or not actor.sees(line.operator_code):
        raise NotFoundError(f"no line ever held {number}", field="number")
    check_day(session, line=None, area_code=line.area_code, day=today, what="a complaint")
    complaint = care.open_complaint(session, line=line, kind=kind.value, text=words, today=today)
    if kind is ComplaintKind.CHARGED_WITHOUT_SERVICE:
        found = sites.credit_line_outages(session, line=line, today=today)
        care.settle_outage_check(
            session,
            complaint,
            site_id=found.site_id,
            credited_fen=found.credited_fen if found.had_outage else 0,
            today=today,
        )
    done = care.view(complaint, today)
    after = done.model_dump(mode="json")
    audit(
        session,
        actor,
        action="complaint.open",
        target=_target(done.id),
        before=None,
        after=after,
        now=now,
    )
    return done


def list_complaints(
    session: Session,
    actor: Actor,
    *,
    today: date,
    status: ComplaintStatus | None = None,
    kind: ComplaintKind | None = None,
    area_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ComplaintPage:
    """Return complaints the actor may see: pending ones by deadline first, then closed ones."""
    access.require(actor, Permission.READ_COMPLAINTS)
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InputInvalidError(f"limit must be 1 to {MAX_PAGE} and offset not negative")
    found = care_repo.page(
        session,
        operator_code=actor.operator,
        status=status.value if status else None,
        kind=kind.value if kind else None,
        area_code=area_code,
        limit=limit,
        offset=offset,
    )
    return ComplaintPage(items=[care.view(c, today) for c in found], limit=limit, offset=offset)


def overdue(session: Session, actor: Actor, *, today: date) -> list[ComplaintView]:
    """Return pending complaints past their deadline that the actor may see."""
    access.require(actor, Permission.READ_COMPLAINTS)
    return care.overdue(session, today=today, operator_code=actor.operator)


def report(session: Session, actor: Actor) -> list[ComplaintCount]:
    """Count complaints by month, region and kind (on the actor's operator's lines)."""
    access.require(actor, Permission.READ_COMPLAINTS)
    return care.report(session, operator_code=actor.operator)


def get(session: Session, actor: Actor, *, complaint_id: int, today: date) -> ComplaintView:
    """Return one complaint the actor may see."""
    found = _scoped(session, actor, complaint_id, Permission.READ_COMPLAINTS)
    return care.view(found, today)


def move(
    session: Session,
    actor: Actor,
    *,
    complaint_id: int,
    status: ComplaintStatus,
    key: str,
    today: date,
    now: datetime,
    note: str | None = None,
    credit_fen: int = 0,
) -> ComplaintMoved:
    """Move a complaint on, crediting the line when resolved with a credit (above the actor's
    limit: held for approval; more than the line ever paid in: refused); the same key again
    answers the first move instead of doing it twice."""
    complaint = _scoped(session, actor, complaint_id, Permission.WRITE_COMPLAINTS)
    line = care_repo.line_of(session, complaint)
    before = care.view(complaint, today)
    scoped = scoped_key(line.operator_code, key)
    if access_repo.audit_by_key(session, action=MOVE, request_key=scoped) is not None:
        return ComplaintMoved(**before.model_dump(), replayed=True)
    earlier = money.earlier_hold(
        session,
        request_key=scoped,
        action=MOVE,
        target=_target(complaint.id),
        amount_fen=credit_fen,
    )
    if earlier is not None:
        return ComplaintMoved(**before.model_dump(), replayed=True, approval=earlier.id)
    why = fields.text(note, field="note", limit=care.TEXT_CHARS, multiline=True)
    if credit_fen < 0:
        raise InputInvalidError("a credit cannot be negative", field="credit")
    if credit_fen:
        check_day(session, line=None, area_code=line.area_code, day=today, what="a credit")
        money.refuse_beyond_paid_in(
            session, line=line, kind=MoneyKind.CREDIT, amount_fen=credit_fen
        )
        reason = money.hold_reason(
            session, actor, kind=MoneyKind.CREDIT, amount_fen=credit_fen, today=today
        )
        if reason is not None:
            care.check_move(complaint, status=status.value, credit_fen=credit_fen)
            held = money.hold(
                session,
                actor,
                action=MOVE,
                target=_target(complaint.id),
                line=line,
                kind=MoneyKind.CREDIT,
                amount_fen=credit_fen,
                request={
                    "complaint_id": complaint.id,
                    "status": status.value,
                    "note": why,
                    "credit_fen": credit_fen,
                    "key": key,
                    "today": today,
                },
                request_key=scoped,
                reason=reason,
                today=today,
                now=now,
            )
            return ComplaintMoved(**before.model_dump(), replayed=False, approval=held.id)
    done = apply_move(
        session, complaint, status=status, note=why, credit_fen=credit_fen, today=today
    )
    audit(
        session,
        actor,
        action=MOVE,
        target=_target(complaint.id),
        before=before.model_dump(mode="json"),
        after=done.model_dump(mode="json"),
        now=now,
        amount_fen=credit_fen or None,
        request_key=scoped,
    )
    return ComplaintMoved(**done.model_dump(), replayed=False)


def apply_move(
    session: Session,
    complaint: Complaint,
    *,
    status: ComplaintStatus,
    note: str | None,
    credit_fen: int,
    today: date,
) -> ComplaintView:
    """Move a checked complaint on (an approved credit comes here too)."""
    return care.move(
        session,
        complaint_id=complaint.id,
        status=status.value,
        today=today,
        note=note,
        credit_fen=credit_fen,
    )


def _scoped(session: Session, actor: Actor, complaint_id: int, permission: Permission) -> Complaint:
    """Return a complaint the actor may act on; another operator's is not found."""
    access.require(actor, permission)
    found = care_repo.get(session, complaint_id)
    if found is None or not actor.sees(care_repo.line_of(session, found).operator_code):
        raise NotFoundError(f"no complaint {complaint_id}")
    return found


def _target(complaint_id: int) -> str:
    return f"complaint {complaint_id}"
