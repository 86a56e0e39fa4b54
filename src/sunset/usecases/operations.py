"""The operations on one line, each checked against the retirement plan in force that day:
activate, top up, suspend, resume, terminate, exempt from the switch-off, confirm a vulnerable
line's replacement.

Each loads and locks its line once (``scoped_line``), refuses a date the line's history or the
cycle rules out (``check_day``), asks the plan (``plans.enforce``), holds money above the
actor's limits for approval (``money``), writes through the domains and audits the change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import MoneyKind, Permission
from sunset.errors import InputInvalidError, OperationRefusedError, PermissionDeniedError
from sunset.kit import fields
from sunset.kit.money import format_yuan
from sunset.kit.numbers import display
from sunset.ledger import service as ledger
from sunset.ledger.rules import EntryKind
from sunset.lines import service as lines
from sunset.lines.models import Exemption, Line
from sunset.lines.service import NewLine, NumberTakenError
from sunset.lines.vocabulary import SuspensionReason
from sunset.offers import service as offers
from sunset.offers.schemas import MigrationView
from sunset.offers.service import MigrationRequest
from sunset.plans import rules as plan_rules
from sunset.plans import service as plans
from sunset.reference import repository as reference

from . import money
from .common import audit, check_day, line_state, not_found, scoped_key, scoped_line

__all__ = ["LineOutcome", "MigrationRequest", "NewLine"]  # what the edges build and read


@dataclass(frozen=True)
class LineOutcome:
    """What an operation left: the line's number, status and balance, and what happened.

    ``approval``: the operation moves more money than its maker may alone and was held for a
    second person (its id); nothing of it is applied yet.
    """

    number: str
    status: str
    balance: str
    message: str
    replayed: bool = False
    approval: int | None = None


def _outcome(line: Line, message: str, *, replayed: bool = False) -> LineOutcome:
    return LineOutcome(
        display(line.number), line.status, format_yuan(line.balance_fen), message, replayed
    )


def _held(line: Line, held: money.ApprovalView, *, replayed: bool = False) -> LineOutcome:
    return LineOutcome(
        display(line.number),
        line.status,
        format_yuan(line.balance_fen),
        f"held for approval #{held.id}: {held.reason}",
        replayed=replayed,
        approval=held.id,
    )


def activate(
    session: Session, actor: Actor, *, new: NewLine, today: date, now: datetime
) -> LineOutcome:
    """Open a new line of the actor's own operator, unless its region sells no more lines or
    the number is not free."""
    access.require(actor, Permission.OPERATE_LINES)
    new = _checked(new)
    if actor.operator is not None and new.operator != actor.operator:
        raise PermissionDeniedError(
            f"an account of {actor.operator} may only open {actor.operator} lines",
            field="operator",
        )
    lines.check_new_line(session, new=new, today=today)
    check_day(session, line=None, area_code=new.area_code, day=today, what="an activation")
    plans.enforce(
        session,
        plan_rules.may_activate,
        area_code=new.area_code,
        network_code=new.network,
        day=today,
    )
    e164 = lines.normalise_number(new.number)
    try:
        line = lines.open_line(session, new=new, e164=e164, today=today)
    except NumberTakenError as exc:
        if exc.operator_code is not None and not actor.sees(exc.operator_code):
            raise OperationRefusedError(
                f"{display(e164)} is not available", code="NUMBER_NOT_AVAILABLE", field="number"
            ) from None
        raise
    audit(
        session,
        actor,
        action="line.activate",
        target=display(e164),
        before=None,
        after=line_state(line),
        now=now,
    )
    return _outcome(line, "line activated")


def _checked(new: NewLine) -> NewLine:
    """The typed text of a new line checked before anything else reads it."""
    return NewLine(
        number=fields.required_text(new.number, field="number", limit=lines.NUMBER_CHARS),
        operator=fields.required_text(new.operator, field="operator", limit=32).lower(),
        network=fields.required_text(new.network, field="network", limit=32).lower(),
        area_code=fields.required_text(new.area_code, field="area_code", limit=5),
        customer_ref=fields.required_text(new.customer_ref, field="customer_id", limit=64),
        real_name=new.real_name,
        monthly_fee_fen=new.monthly_fee_fen,
        prepaid=new.prepaid,
        customer_name=fields.text(new.customer_name, field="customer_name", limit=200),
        vulnerable=new.vulnerable,
    )


def top_up(
    session: Session,
    actor: Actor,
    *,
    number: str,
    amount_fen: int,
    key: str,
    today: date,
    now: datetime,
) -> LineOutcome:
    """Top a line up, unless its region refuses top-ups; above the actor's limit, hold it for
    approval. The same key again answers the first top-up (or its hold)."""
    line = scoped_line(
        session, actor, number=number, permission=Permission.OPERATE_LINES, lock=True, today=today
    )
    if amount_fen <= 0:
        raise InputInvalidError("a top-up must be a positive amount", field="amount")
    scoped = scoped_key(line.operator_code, key)
    posted = ledger.replayed(
        session, line=line, kind=EntryKind.TOP_UP, amount_fen=amount_fen, key=scoped, shown=key
    ) or ledger.replayed_unscoped(
        session, line=line, kind=EntryKind.TOP_UP, amount_fen=amount_fen, key=key
    )
    if posted is not None:
        return _outcome(
            line, f"top-up of {format_yuan(amount_fen)} yuan was already applied", replayed=True
        )
    earlier = money.earlier_hold(
        session,
        request_key=scoped,
        action="line.top_up",
        target=display(line.number),
        amount_fen=amount_fen,
    )
    if earlier is not None:
        return _held(line, earlier, replayed=True)
    request = {"number": line.number, "amount_fen": amount_fen, "key": key, "today": today}
    check_top_up(session, line=line, amount_fen=amount_fen, today=today)
    reason = money.hold_reason(
        session, actor, kind=MoneyKind.TOP_UP, amount_fen=amount_fen, today=today
    )
    if reason is not None:
        held = money.hold(
            session,
            actor,
            action="line.top_up",
            target=display(line.number),
            line=line,
            kind=MoneyKind.TOP_UP,
            amount_fen=amount_fen,
            request=request,
            request_key=scoped,
            reason=reason,
            today=today,
            now=now,
        )
        return _held(line, held)
    before = line_state(line)
    done = apply_top_up(session, line=line, amount_fen=amount_fen, key=scoped, today=today)
    audit(
        session,
        actor,
        action="line.top_up",
        target=before["number"],
        before=before,
        after=line_state(line),
        now=now,
        amount_fen=amount_fen,
        request_key=scoped,
    )
    return done


def check_top_up(session: Session, *, line: Line, amount_fen: int, today: date) -> None:
    """Refuse a top-up its date or its region's plan rules out."""
    check_day(session, line=line, area_code=line.area_code, day=today, what="a top-up")
    plans.enforce(
        session,
        plan_rules.may_top_up,
        area_code=line.area_code,
        network_code=line.network_code,
        day=today,
    )


def apply_top_up(
    session: Session, *, line: Line, amount_fen: int, key: str, today: date
) -> LineOutcome:
    """Post a checked top-up (a held one, once approved, comes here too)."""
    ledger.post(
        session, line=line, kind=EntryKind.TOP_UP, amount_fen=amount_fen, day=today, key=key
    )
    return _outcome(line, f"top-up of {format_yuan(amount_fen)} yuan applied")


def suspend(
    session: Session,
    actor: Actor,
    *,
    number: str,
    reason: SuspensionReason,
    today: date,
    now: datetime,
) -> LineOutcome:
    """Suspend a line for a reason."""
    line, before = _operated(session, actor, number=number, today=today, what="a suspension")
    lines.suspend(session, line=line, reason=reason, today=today)
    return _audited(
        session, actor, "line.suspend", line, before, now, f"line suspended ({reason.value})"
    )


def resume(
    session: Session, actor: Actor, *, number: str, today: date, now: datetime
) -> LineOutcome:
    """Resume a suspended line; a sunset suspension not while top-ups are refused."""
    line, before = _operated(session, actor, number=number, today=today, what="a resumption")
    if line.suspension_reason == SuspensionReason.SUNSET:
        plans.enforce(
            session,
            plan_rules.may_top_up,
            area_code=line.area_code,
            network_code=line.network_code,
            day=today,
        )
    lines.resume(session, line=line)
    return _audited(session, actor, "line.resume", line, before, now, "line resumed")


def _operated(
    session: Session,
    actor: Actor,
    *,
    number: str,
    today: date,
    what: str,
    rule: plans.PlanRule | None = plan_rules.may_operate,
) -> tuple[Line, dict[str, Any]]:
    """Load and lock a line the actor may operate, dated and allowed by its plan (``rule``;
    None for what keeps a line on past its switch-off: an exemption, a confirmed replacement);
    return it and its state before."""
    line = scoped_line(
        session, actor, number=number, permission=Permission.OPERATE_LINES, lock=True, today=today
    )
    check_day(session, line=line, area_code=line.area_code, day=today, what=what)
    if rule is not None:
        plans.enforce(
            session, rule, area_code=line.area_code, network_code=line.network_code, day=today
        )
    return line, line_state(line)


def _audited(
    session: Session,
    actor: Actor,
    action: str,
    line: Line,
    before: dict[str, Any],
    now: datetime,
    message: str,
    *,
    amount_fen: int | None = None,
    request_key: str | None = None,
) -> LineOutcome:
    audit(
        session,
        actor,
        action=action,
        target=str(before["number"]),
        before=before,
        after=line_state(line),
        now=now,
        amount_fen=amount_fen,
        request_key=request_key,
    )
    return _outcome(line, message)


def terminate(
    session: Session, actor: Actor, *, number: str, key: str, today: date, now: datetime
) -> LineOutcome:
    """Close a line: the days used this month are charged, the rest of its balance becomes a
    refund to pay out (above the actor's limit: held for approval), its number rests in
    quarantine. A retry with the key of a termination already done answers it."""
    access.require(actor, Permission.OPERATE_LINES)
    e164 = lines.normalise_number(number)
    fields.key(key)
    for earlier in _closed_by(session, e164, key):
        if not actor.sees(earlier.operator_code):
            raise not_found(display(earlier.number))
        return _outcome(
            earlier,
            f"line was already terminated on {earlier.terminated_on} by this request",
            replayed=True,
        )
    line, before = _operated(session, actor, number=number, today=today, what="a termination")
    scoped = scoped_key(line.operator_code, key)
    earlier_hold = money.earlier_hold(
        session,
        request_key=scoped,
        action="line.terminate",
        target=display(line.number),
        amount_fen=None,
    )
    if earlier_hold is not None:
        return _held(line, earlier_hold, replayed=True)
    with session.begin_nested() as trial:
        refund = _refund_after_days_used(session, line=line, today=today)
        reason = money.hold_reason(
            session, actor, kind=MoneyKind.REFUND, amount_fen=refund, today=today
        )
        if reason is not None:
            trial.rollback()
    if reason is not None:
        session.refresh(line)
        held = money.hold(
            session,
            actor,
            action="line.terminate",
            target=display(line.number),
            line=line,
            kind=MoneyKind.REFUND,
            amount_fen=refund,
            request={"number": line.number, "key": key, "today": today},
            request_key=scoped,
            reason=reason,
            today=today,
            now=now,
        )
        return _held(line, held)
    done = apply_termination(session, line=line, key=scoped, today=today, charged=True)
    audit(
        session,
        actor,
        action="line.terminate",
        target=str(before["number"]),
        before=before,
        after=line_state(line),
        now=now,
        amount_fen=refund or None,
        request_key=scoped,
    )
    return done


def _closed_by(session: Session, e164: str, key: str) -> list[Line]:
    """The line a termination under ``key`` closed: in the scope of whichever operator it was
    (or unscoped, as keys were stored before they were scoped)."""
    scopes = [f"{operator}:{key}" for operator in sorted(reference.operator_codes(session))]
    found = [lines.closed_by(session, e164=e164, key=k) for k in [*scopes, key]]
    return [line for line in found if line is not None]


def _refund_after_days_used(session: Session, *, line: Line, today: date) -> int:
    """Charge the days used and return the refund the line's balance then comes to; refuse a
    refund larger than the line ever paid in."""
    ledger.charge_days_used(session, line=line, today=today)
    refund = max(line.balance_fen, 0)
    if refund:
        money.refuse_beyond_paid_in(session, line=line, kind=MoneyKind.REFUND, amount_fen=refund)
    return refund


def apply_termination(
    session: Session, *, line: Line, key: str, today: date, charged: bool = False
) -> LineOutcome:
    """Close a checked line: its last days charged (unless ``charged`` already), its balance
    refunded, its number in quarantine (an approved termination comes here too)."""
    if not charged:
        _refund_after_days_used(session, line=line, today=today)
    refunded = ledger.refund_balance(
        session, line=line, day=today, key=f"{key}:refund", reason="line terminated"
    )
    until = lines.close(session, line=line, today=today, key=key)
    return _outcome(
        line,
        f"line terminated; {format_yuan(refunded)} yuan to refund; number in quarantine until "
        f"{until}",
    )


def exempt(
    session: Session,
    actor: Actor,
    *,
    number: str,
    until: date,
    granted_by: str | None,
    reason: str,
    today: date,
    now: datetime,
) -> LineOutcome:
    """Keep a line out of the switch-off until a date, recording who granted it and why."""
    why = fields.required_text(reason, field="reason", column=Exemption.reason)
    who = fields.text(granted_by, field="by", column=Exemption.granted_by) or actor.name
    line, before = _operated(
        session, actor, number=number, today=today, what="an exemption", rule=None
    )
    lines.grant_exemption(session, line=line, until=until, granted_by=who, reason=why, today=today)
    return _audited(
        session,
        actor,
        "line.exempt",
        line,
        before,
        now,
        f"exempt from the switch-off until {until} (granted by {who}: {why})",
    )


def confirm_replacement(
    session: Session, actor: Actor, *, number: str, today: date, now: datetime
) -> LineOutcome:
    """Record that a vulnerable or critical line's replacement works."""
    line, before = _operated(
        session, actor, number=number, today=today, what="a confirmed replacement", rule=None
    )
    lines.confirm_replacement(session, line=line, today=today)
    return _audited(
        session,
        actor,
        "line.confirm_replacement",
        line,
        before,
        now,
        f"replacement confirmed for this {line.vulnerable} line",
    )


def migrate(
    session: Session, actor: Actor, *, request: MigrationRequest, today: date, now: datetime
) -> MigrationView:
    """Move a line to a new network under an offer: balance, number and commitments kept; the
    same key again answers the migration it made."""
    access.require(actor, Permission.OPERATE_LINES)
    e164 = lines.normalise_number(request.number)
    fields.key(request.key)
    keys = [scoped_key(operator, request.key) for operator in reference.operator_codes(session)]
    earlier = offers.earlier_migration(session, e164=e164, offer_id=request.offer_id, keys=keys)
    if earlier is not None:
        view, owner = earlier
        if not actor.sees(owner):
            raise not_found(display(e164))
        return view
    line, before = _operated(session, actor, number=request.number, today=today, what="a migration")
    offer = offers.get_offer_or_raise(request.offer_id)
    if actor.operator is not None and offer.operator != actor.operator:
        raise PermissionDeniedError(
            f"offer {offer.id} is {offer.operator}'s: an account of {actor.operator} cannot use it",
            field="offer",
        )
    scoped = replace(request, key=scoped_key(line.operator_code, request.key))
    done = offers.migrate(session, old=line, request=scoped, today=today)
    audit(
        session,
        actor,
        action="line.migrate",
        target=str(before["number"]),
        before=before,
        after=done.model_dump(mode="json"),
        now=now,
        request_key=scoped.key,
    )
    return done
