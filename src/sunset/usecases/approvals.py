"""Four eyes: money held above its maker's limit waits here for a second person.

An approver of a higher role than the maker (never the maker), whose own limit covers the
amount, approves it: the operation is then applied as it was asked, dated the day it was asked,
in the approver's transaction, with every check made again (the line may have closed, the
cycle may have passed that day: then the approval is refused, saying why, and stays pending
until someone rejects it). Or they reject it, saying why. Each decision is one audit entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from sunset.access import repository as access_repo
from sunset.access import rules as access_rules
from sunset.access import service as access
from sunset.access.limits import money_limits
from sunset.access.models import Approval
from sunset.access.rules import Actor
from sunset.access.vocabulary import MoneyKind, Permission, Role
from sunset.care import repository as care_repo
from sunset.care import service as care
from sunset.care.vocabulary import ComplaintStatus
from sunset.errors import InputInvalidError, NotFoundError, OperationRefusedError
from sunset.kit import fields
from sunset.lines import repository as lines_repo

from . import care as care_uc
from . import money, operations
from .common import audit, line_state, scoped_key
from .money import APPROVED, PENDING, REJECTED, ApprovalView

__all__ = ["ApprovalView"]

MAX_PAGE = 500
Applied = tuple[dict[str, Any] | None, dict[str, Any]]  # the state before and after


def list_approvals(
    session: Session, actor: Actor, *, state: str | None = PENDING, limit: int = 100
) -> list[ApprovalView]:
    """Return approvals (pending ones by default), oldest first: those of the actor's operator,
    or every operator's for an actor of none."""
    access.require(actor, Permission.APPROVE)
    if state is not None and state not in (PENDING, APPROVED, REJECTED):
        raise InputInvalidError(f"one of {PENDING}, {APPROVED}, {REJECTED}", field="state")
    if not 1 <= limit <= MAX_PAGE:
        raise InputInvalidError(f"between 1 and {MAX_PAGE}", field="limit")
    found = access_repo.list_approvals(
        session, state=state, operator_code=actor.operator, limit=limit
    )
    return [money.view(a) for a in found]


def approve(
    session: Session, actor: Actor, *, approval_id: int, now: datetime, note: str | None = None
) -> ApprovalView:
    """Apply a held operation as asked, if a second person of a higher role may approve it."""
    approval = _decidable(session, actor, approval_id)
    problem = access_rules.approval_problem(
        actor,
        maker_name=approval.maker_name,
        maker_role=Role(approval.maker_role),
        amount_fen=approval.amount_fen,
        limit_fen=_limit_of(actor, MoneyKind(approval.kind)),
    )
    if problem is not None:
        raise OperationRefusedError(problem, code="APPROVAL_REFUSED")
    request = json.loads(approval.request)
    before, after = APPLIERS[approval.action](session, request)
    approval.state, approval.decided_by, approval.decided_at = APPROVED, actor.name, now
    approval.decision_note = fields.text(note, field="note", limit=500)
    approval.result = json.dumps(after, default=str)
    session.flush()
    audit(
        session,
        actor,
        action="approval.approve",
        target=f"approval {approval.id}: {approval.action} {approval.target}",
        before=before,
        after={**after, "approval": approval.id, "maker": approval.maker_name},
        now=now,
        amount_fen=approval.amount_fen,
    )
    return money.view(approval)


def reject(
    session: Session, actor: Actor, *, approval_id: int, now: datetime, note: str
) -> ApprovalView:
    """Refuse a held operation, saying why: nothing of it is applied."""
    approval = _decidable(session, actor, approval_id)
    why = fields.required_text(note, field="note", limit=500)
    approval.state, approval.decided_by, approval.decided_at = REJECTED, actor.name, now
    approval.decision_note = why
    session.flush()
    audit(
        session,
        actor,
        action="approval.reject",
        target=f"approval {approval.id}: {approval.action} {approval.target}",
        before={"state": PENDING},
        after={"state": REJECTED, "note": why},
        now=now,
    )
    return money.view(approval)


def _decidable(session: Session, actor: Actor, approval_id: int) -> Approval:
    """Return a pending approval of data the actor may see, locked against a second decision."""
    access.require(actor, Permission.APPROVE)
    found = access_repo.get_approval(session, approval_id, lock=True)
    if found is None or (found.operator_code is not None and not actor.sees(found.operator_code)):
        raise NotFoundError(f"no approval {approval_id}", field="approval")
    if found.state != PENDING:
        raise OperationRefusedError(
            f"approval {approval_id} was already {found.state} by {found.decided_by}",
            code="APPROVAL_DECIDED",
        )
    return found


def _limit_of(actor: Actor, kind: MoneyKind) -> int | None:
    limits = money_limits().of(actor.role)
    return limits.single_fen(kind) if limits else None


def _day(request: dict[str, Any]) -> date:
    return date.fromisoformat(str(request["today"]))


def _apply_top_up(session: Session, request: dict[str, Any]) -> Applied:
    """The top-up as asked: its line, its amount, its key, its day."""
    line = _line(session, request["number"])
    day = _day(request)
    operations.check_top_up(session, line=line, amount_fen=request["amount_fen"], today=day)
    before = line_state(line)
    key = scoped_key(line.operator_code, request["key"])
    done = operations.apply_top_up(
        session, line=line, amount_fen=request["amount_fen"], key=key, today=day
    )
    return before, {**line_state(line), "message": done.message}


def _apply_termination(session: Session, request: dict[str, Any]) -> Applied:
    """The termination as asked: its line's last days charged and balance refunded that day."""
    line = _line(session, request["number"])
    day = _day(request)
    before = line_state(line)
    done = operations.apply_termination(
        session, line=line, key=scoped_key(line.operator_code, request["key"]), today=day
    )
    return before, {**line_state(line), "message": done.message}


def _apply_complaint_credit(session: Session, request: dict[str, Any]) -> Applied:
    """The complaint's move with its credit, as asked."""
    complaint = care_repo.get(session, int(request["complaint_id"]))
    if complaint is None:
        raise NotFoundError(f"no complaint {request['complaint_id']}")
    before = care.view(complaint, _day(request)).model_dump(mode="json")
    done = care_uc.apply_move(
        session,
        complaint,
        status=ComplaintStatus(request["status"]),
        note=request.get("note"),
        credit_fen=int(request["credit_fen"]),
        today=_day(request),
    )
    return before, done.model_dump(mode="json")


def _line(session: Session, e164: str) -> Any:
    line = lines_repo.get_live(session, e164, lock=True)
    if line is None:
        raise OperationRefusedError(
            f"{e164} has no live line any more: reject this approval",
            code="APPROVAL_TARGET_GONE",
        )
    return line


APPLIERS: dict[str, Callable[[Session, dict[str, Any]], Applied]] = {
    "line.top_up": _apply_top_up,
    "line.terminate": _apply_termination,
    care_uc.MOVE: _apply_complaint_credit,
}
