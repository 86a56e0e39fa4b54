"""The porting batch step: validate authorised requests from the rules, complete due ports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sunset.kit.money import format_yuan
from sunset.ledger import service as ledger
from sunset.ledger.rules import EntryKind
from sunset.lines.models import Line
from sunset.lines.vocabulary import LineStatus
from sunset.porting import repository
from sunset.porting.models import PortRequest
from sunset.porting.service import expire_unused_code, log_transition, validate
from sunset.porting.vocabulary import BalanceHandling, PortState


def complete(session: Session, req: PortRequest, *, now: datetime) -> None:
    """Carry out a scheduled port: charge the days used, refund or carry over the balance, hand
    the number to the recipient."""
    line = session.get(Line, req.line_id, with_for_update=True)
    assert line is not None
    day = now.date()
    ledger.charge_days_used(session, line=line, today=day)
    key = f"port:{req.id}"
    if req.balance_handling == BalanceHandling.REFUND:
        req.balance_moved_fen = ledger.refund_balance(
            session, line=line, day=day, key=f"{key}:refund", reason=f"ported out ({req.id})"
        )
    elif line.balance_fen > 0:
        req.balance_moved_fen = line.balance_fen
        ledger.post(
            session,
            line=line,
            kind=EntryKind.TRANSFER_OUT,
            amount_fen=line.balance_fen,
            day=day,
            key=f"{key}:carry",
            reference=f"carried over to {req.recipient_operator}",
        )
    line.status, line.suspension_reason, line.terminated_on = LineStatus.PORTED_OUT.value, None, day
    log_transition(
        session,
        req,
        to=PortState.COMPLETED,
        at=now,
        actor="sunset",
        note=f"now served by {req.recipient_operator}/{req.recipient_network}; "
        f"{format_yuan(req.balance_moved_fen)} yuan {req.balance_handling.replace('_', ' ')}",
    )


def run_due(session: Session, *, now: datetime) -> dict[str, int]:
    """Close requests whose code expired unused, validate authorised requests from the rules and
    complete every port due by ``now``."""
    done = {"expired": 0, "validated": 0, "rejected": 0, "completed": 0}
    for req in repository.in_state(
        session, PortState.REQUESTED, before=now, field="auth_expires_at"
    ):
        note = "the authorisation code was never presented"
        done["expired"] += expire_unused_code(session, req, now=now, note=note)
    for req in repository.in_state(session, PortState.AUTHORISED):
        outcome = validate(session, number=req.number, now=now, actor="sunset (rules)")
        done["rejected" if outcome.refused else "validated"] += 1
    for req in repository.in_state(session, PortState.SCHEDULED, before=now, field="scheduled_for"):
        complete(session, req, now=now)
        done["completed"] += 1
    return done
