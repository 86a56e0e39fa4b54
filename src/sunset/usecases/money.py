"""Money a person decides to move: within their role's limits it goes through; above them it is
held for a second person (``approvals``); more than a line ever paid in is refused outright.

Every use case that moves money by a person's decision (a top-up, a complaint's credit, the
refund of a line an agent terminates) asks ``hold_reason`` before it writes, and on a reason
calls ``hold`` instead: nothing of the operation is applied, the approval records what it was
asked to do, and the audit log records that it was held.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from sunset.access import repository as access_repo
from sunset.access import rules as access_rules
from sunset.access import service as access
from sunset.access.limits import money_limits
from sunset.access.models import Approval
from sunset.access.rules import Actor
from sunset.access.vocabulary import MoneyKind
from sunset.errors import OperationRefusedError
from sunset.kit.money import format_yuan
from sunset.kit.numbers import display
from sunset.ledger import repository as ledger_repo
from sunset.lines.models import Line

from .common import audit

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


class ApprovalView(BaseModel):
    """An operation held for a second person's approval, or decided."""

    id: int
    state: str
    action: str
    target: str
    operator: str | None
    kind: str
    amount_yuan: str
    reason: str
    maker: str
    maker_role: str
    requested_at: datetime
    business_day: date
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    result: Any


def hold_reason(
    session: Session, actor: Actor, *, kind: MoneyKind, amount_fen: int, today: date
) -> str | None:
    """Say why ``actor`` may not move ``amount_fen`` of ``kind`` alone on ``today``, or None;
    refuse outright an amount no role may move at all (nobody could approve it)."""
    highest = max(r.single_fen(kind) for r in money_limits().roles.values())
    if amount_fen > highest:
        raise OperationRefusedError(
            f"{format_yuan(amount_fen)} yuan is above the largest {kind.value.replace('_', '-')} "
            f"any role may make ({format_yuan(highest)} yuan): nobody could approve it",
            code="AMOUNT_ABOVE_EVERY_LIMIT",
            field="amount",
        )
    limits = money_limits().of(actor.role)
    return access_rules.money_hold_reason(
        role=actor.role,
        kind=kind,
        amount_fen=amount_fen,
        spent_today_fen=access.money_moved(session, actor=actor, day=today),
        single_limit_fen=limits.single_fen(kind) if limits else None,
        daily_limit_fen=limits.daily_fen if limits else None,
    )


def refuse_beyond_paid_in(
    session: Session, *, line: Line, kind: MoneyKind, amount_fen: int
) -> None:
    """Refuse money sunset could not account for: credits adding up to more than a line ever
    paid in (its opening balance, top-ups and transfers in), or a refund of more than it paid
    in and was credited (an offer's free credit or an outage credit is the customer's to take
    back when the line ends; each credit was checked when it was given)."""
    paid_in, credited = ledger_repo.paid_in_and_credited(
        session, area_code=line.area_code, line_id=line.id
    )
    if kind is MoneyKind.CREDIT:
        given, ceiling, what, source = amount_fen + credited, paid_in, "credits", "paid in"
    else:
        given, ceiling = amount_fen, paid_in + credited
        what, source = "a refund", "paid in and was credited"
    if given > ceiling:
        raise OperationRefusedError(
            f"{what} of {format_yuan(given)} yuan would be more than {display(line.number)} ever "
            f"{source} ({format_yuan(ceiling)} yuan)",
            code="MORE_THAN_PAID_IN",
            field="amount",
        )


def hold(
    session: Session,
    actor: Actor,
    *,
    action: str,
    target: str,
    line: Line,
    kind: MoneyKind,
    amount_fen: int,
    request: dict[str, Any],
    request_key: str | None,
    reason: str,
    today: date,
    now: datetime,
) -> ApprovalView:
    """Record an operation held for approval instead of applying it, and audit that it was."""
    approval = Approval(
        operator_code=line.operator_code,
        area_code=line.area_code,
        action=action,
        target=target,
        kind=kind.value,
        amount_fen=amount_fen,
        request=json.dumps(request, default=str),
        request_key=request_key,
        reason=reason,
        maker_name=actor.name,
        maker_role=actor.role.value,
        requested_at=now,
        business_day=today,
        state=PENDING,
    )
    access_repo.add_approval(session, approval)
    shown = view(approval)
    audit(
        session,
        actor,
        action=f"{action}.held",
        target=target,
        before=None,
        after=shown.model_dump(mode="json"),
        now=now,
        request_key=request_key,
    )
    return shown


def earlier_hold(
    session: Session, *, request_key: str, action: str, target: str, amount_fen: int | None
) -> ApprovalView | None:
    """Return the approval a request with this (scoped) key is waiting for, if any: a retry is
    answered with it. The key used for another operation, or a request already rejected, is
    refused (``amount_fen`` None: any amount, as a termination's refund is worked out)."""
    found = access_repo.approval_by_key(session, request_key)
    if found is None:
        return None
    same = (found.action, found.target) == (action, target) and (
        amount_fen is None or found.amount_fen == amount_fen
    )
    if not same:
        raise OperationRefusedError(
            "this idempotency key was already used for another operation: use a new key",
            code="IDEMPOTENCY_KEY_REUSED",
            field="key",
        )
    if found.state == REJECTED:
        raise OperationRefusedError(
            f"this request (approval {found.id}) was rejected by {found.decided_by}: "
            f"{found.decision_note}",
            code="APPROVAL_REJECTED",
        )
    return view(found)


def view(approval: Approval) -> ApprovalView:
    """Show an approval as its maker and its approver see it."""
    return ApprovalView(
        id=approval.id,
        state=approval.state,
        action=approval.action,
        target=approval.target,
        operator=approval.operator_code,
        kind=approval.kind,
        amount_yuan=format_yuan(approval.amount_fen),
        reason=approval.reason,
        maker=approval.maker_name,
        maker_role=approval.maker_role,
        requested_at=approval.requested_at,
        business_day=approval.business_day,
        decided_by=approval.decided_by,
        decided_at=approval.decided_at,
        decision_note=approval.decision_note,
        result=json.loads(approval.result) if approval.result else None,
    )
