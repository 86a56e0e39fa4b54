"""Complaints: open (a charged-without-service one checked and credited at once), move, close."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy.orm import Session

from sunset.care import repository, rules
from sunset.care.models import Complaint
from sunset.care.schemas import ComplaintCount, ComplaintView
from sunset.care.vocabulary import PENDING, ComplaintKind, ComplaintStatus
from sunset.config import get_settings
from sunset.errors import InputInvalidError, NotFoundError, OperationRefusedError
from sunset.kit.money import format_yuan
from sunset.kit.numbers import display
from sunset.ledger import service as ledger
from sunset.ledger.rules import EntryKind
from sunset.lines.models import Line


def open_complaint(session: Session, *, line: Line, kind: str, text: str, today: date) -> Complaint:
    """Open a complaint on a line (a charged-without-service one then waits for the check of its
    home site's history: ``settle_outage_check``)."""
    if kind not in {k.value for k in ComplaintKind}:
        known = ", ".join(k.value for k in ComplaintKind)
        raise InputInvalidError(f"unknown complaint kind {kind!r} (known: {known})", field="kind")
    if not text.strip():
        raise InputInvalidError(
            "a complaint needs its text: what happened, in the user's words", field="text"
        )
    complaint = Complaint(
        area_code=line.area_code,
        line_id=line.id,
        number=line.number,
        kind=kind,
        text=text.strip()[:TEXT_CHARS],
        status=ComplaintStatus.OPEN.value,
        opened_on=today,
        due_on=rules.due_on(kind, today, get_settings().complaint_sla_days),
        credit_fen=0,
    )
    repository.add(session, complaint)
    return complaint


def settle_outage_check(
    session: Session, complaint: Complaint, *, site_id: str | None, credited_fen: int, today: date
) -> None:
    """Resolve a charged-without-service complaint its home site's history proved (with what
    was credited), or send it to an agent when the history shows no outage on days charged."""
    if credited_fen == 0:
        complaint.status = ComplaintStatus.INVESTIGATING.value
        complaint.resolution = (
            f"home site {site_id or '(none)'} shows no outage on days charged: "
            "an agent must investigate"
        )
        return
    complaint.status, complaint.closed_on = ComplaintStatus.RESOLVED.value, today
    complaint.credit_fen = credited_fen
    complaint.resolution = (
        f"true: home site {site_id} was out of service; "
        f"{format_yuan(credited_fen)} yuan credited for the days charged without service"
    )
    session.flush()


TEXT_CHARS = 2000  # a complaint's text and an agent's note


def check_move(complaint: Complaint, *, status: str, credit_fen: int) -> None:
    """Refuse a move the complaint's state does not allow, or a credit without a resolution."""
    refusal = rules.move_refusal(complaint.status, status)
    if refusal:
        raise OperationRefusedError(refusal, code="COMPLAINT_MOVE_REFUSED")
    if credit_fen and status != ComplaintStatus.RESOLVED:
        raise InputInvalidError("only a resolution can credit the customer", field="credit")


def move(
    session: Session,
    *,
    complaint_id: int,
    status: str,
    today: date,
    note: str | None = None,
    credit_fen: int = 0,
) -> ComplaintView:
    """Move a complaint on (investigating, resolved, rejected), with an optional credit."""
    complaint = repository.get(session, complaint_id)
    if complaint is None:
        raise NotFoundError(f"no complaint {complaint_id}")
    check_move(complaint, status=status, credit_fen=credit_fen)
    if credit_fen:
        _credit(session, complaint, credit_fen, today)
    complaint.status, complaint.resolution = status, note or complaint.resolution
    if status not in PENDING:
        complaint.closed_on = today
    session.flush()
    return view(complaint, today)


def _credit(session: Session, complaint: Complaint, credit_fen: int, today: date) -> None:
    line = repository.line_of(session, complaint)
    ledger.post(
        session,
        line=line,
        kind=EntryKind.CREDIT,
        amount_fen=credit_fen,
        day=today,
        key=f"complaint:{complaint.id}",
        reference=f"complaint {complaint.id} ({complaint.kind}) resolved with a credit",
    )
    complaint.credit_fen += credit_fen


def overdue(
    session: Session, *, today: date, operator_code: str | None = None
) -> list[ComplaintView]:
    """List pending complaints past their deadline (on one operator's lines when given)."""
    found = repository.pending_due_before(session, today, operator_code=operator_code)
    return [view(c, today) for c in found]


def list_complaints(
    session: Session, *, today: date, area_code: str | None = None
) -> list[ComplaintView]:
    """List complaints (of one region)."""
    return [view(c, today) for c in repository.list_all(session, area_code=area_code)]


def report(session: Session, *, operator_code: str | None = None) -> list[ComplaintCount]:
    """Count complaints by month, region and kind, with how many are still pending (on one
    operator's lines when given)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    pending: Counter[tuple[str, str, str]] = Counter()
    # Counted by day in SQL (portable), summed to months here: a few rows per day and kind.
    for day, area, kind, n, open_n in repository.daily_counts(session, operator_code=operator_code):
        key = (f"{day:%Y-%m}", area, kind)
        counts[key] += n
        pending[key] += open_n
    return [
        ComplaintCount(month=m, area_code=a, kind=k, complaints=n, pending=pending[(m, a, k)])
        for (m, a, k), n in sorted(counts.items())
    ]


def view(complaint: Complaint, today: date) -> ComplaintView:
    """Show a complaint as an agent sees it."""
    return ComplaintView(
        id=complaint.id,
        number=display(complaint.number),
        area_code=complaint.area_code,
        kind=complaint.kind,
        text=complaint.text,
        status=complaint.status,
        opened_on=complaint.opened_on,
        due_on=complaint.due_on,
        closed_on=complaint.closed_on,
        resolution=complaint.resolution,
        credit=format_yuan(complaint.credit_fen),
        overdue=rules.is_overdue(complaint.status, complaint.due_on, today),
    )
