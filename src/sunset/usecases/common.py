"""What every use case shares: the scope check on a line, the explanation of a closed one, the
checks of a dated write and of a client's key, and the audit of a write."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.errors import (
    LineGoneError,
    NotFoundError,
    OperationRefusedError,
    PermissionDeniedError,
)
from sunset.kit import fields
from sunset.kit.money import format_yuan
from sunset.kit.numbers import display
from sunset.ledger import repository as ledger_repo
from sunset.ledger import service as ledger
from sunset.lines import repository as lines_repo
from sunset.lines import service as lines
from sunset.lines.models import Line
from sunset.lines.vocabulary import LineStatus
from sunset.offers import service as offers
from sunset.plans import service as plans
from sunset.reference import repository as reference


def not_found(number: str) -> NotFoundError:
    """Return the one answer for a number that does not exist and one the actor may not see."""
    return NotFoundError(f"no live line has the number {number}")


def scoped_line(
    session: Session,
    actor: Actor,
    *,
    number: str,
    permission: Permission = Permission.READ_LINES,
    lock: bool = False,
    today: date | None = None,
) -> Line:
    """Return a live line the actor may act on; another operator's line is not found.

    A number whose last line has closed is explained (``LineGoneError``) to staff of its
    operator: when and how it closed, what became of its balance, what is open to the person.
    """
    access.require(actor, permission)
    e164 = lines.normalise_number(number)
    line = lines_repo.get_live(session, e164, lock=lock)
    if line is None:
        raise closed_line_error(session, actor, e164, today=today) or not_found(display(e164))
    if not actor.sees(line.operator_code):
        raise not_found(display(line.number))
    return line


def closed_line_error(
    session: Session, actor: Actor, e164: str, *, today: date | None
) -> LineGoneError | None:
    """Explain the last line of a number on no live line, if it had one the actor may see."""
    line = lines_repo.last_closed_line(
        session, e164, area_codes=list(reference.local_networks(session))
    )
    if line is None or line.terminated_on is None or not actor.sees(line.operator_code):
        return None
    plan = plans.plan_dates(session, area_code=line.area_code, network_code=line.network_code)
    switched_off = plan.switched_off is not None and plan.switched_off <= line.terminated_on
    how = _how_closed(line, switched_off=switched_off, plan_day=plan.switched_off)
    refund = ledger_repo.refund_of_line(session, area_code=line.area_code, line_id=line.id)
    balance = "it had no balance to refund"
    if refund is not None:
        paid = f"paid out on {refund.paid_on}" if refund.paid_on else "to be paid out"
        balance = (
            f"its balance of {format_yuan(refund.amount_fen)} yuan was refunded on "
            f"{refund.created_on} ({paid})"
        )
    open_offers = _offers_open(line, today) if today else []
    options = (
        "; open to the customer: " + ", ".join(f"{o.id} ({o.name})" for o in open_offers)
        if open_offers
        else ""
    )
    status = "switched_off" if switched_off else line.status
    return LineGoneError(
        f"{display(e164)} {how} on {line.terminated_on}; {balance}{options}",
        code=f"LINE_{status.upper()}",
        details={
            "number": display(e164),
            "status": status,
            "closed_on": line.terminated_on.isoformat(),
            "area_code": line.area_code,
            "network": line.network_code,
            "plan_switched_off": plan.switched_off.isoformat() if plan.switched_off else None,
            "refund_yuan": format_yuan(refund.amount_fen) if refund else None,
            "refund_paid_on": refund.paid_on.isoformat() if refund and refund.paid_on else None,
            "offers": [o.id for o in open_offers],
        },
    )


def _how_closed(line: Line, *, switched_off: bool, plan_day: date | None) -> str:
    network = f"the {line.network_code} network of {line.area_code}"
    if switched_off:
        return f"was switched off with {network} (plan: switch-off on {plan_day})"
    return {
        LineStatus.MIGRATED.value: "left for a new line under a migration offer",
        LineStatus.PORTED_OUT.value: "was ported to another operator",
    }.get(line.status, f"was terminated on {network}")


def _offers_open(line: Line, today: date) -> list[Any]:
    """The offers of the line's operator open in its region on ``today``."""
    return [
        o
        for o in offers.list_offers()
        if o.operator == line.operator_code
        and o.valid_from <= today
        and (o.valid_until is None or today <= o.valid_until)
        and (o.conditions.regions is None or line.area_code in o.conditions.regions)
    ]


def check_day(session: Session, *, line: Line | None, area_code: str, day: date, what: str) -> None:
    """Refuse a write dated before its line's history or on a day the cycle has closed.

    A top-up dated before the line was activated, or an activation dated inside months the
    cycle has already charged, would never be billed or be billed twice.
    """
    if line is not None and day < line.activated_on:
        raise OperationRefusedError(
            f"{what} cannot be dated {day}: {display(line.number)} was activated on "
            f"{line.activated_on}",
            code="DATE_BEFORE_LINE",
            field="today",
        )
    ledger.refuse_if_closed(session, area_code=area_code, day=day, what=what)


def scoped_key(operator: str, key: str, *, field: str = "key") -> str:
    """Return a client's idempotency key in its operator's scope: the same key used by another
    operator's staff is another key, and answers nothing about their operation."""
    return f"{operator}:{fields.key(key, field=field)}"


def line_state(line: Line) -> dict[str, Any]:
    """Return what an audit entry records of a line before and after a change."""
    return {
        "number": display(line.number),
        "status": line.status,
        "suspension_reason": line.suspension_reason,
        "balance_yuan": format_yuan(line.balance_fen),
    }


def require_admin_of_every_operator(actor: Actor, *, because: str, does: str) -> None:
    """Let only an administrator of every operator on (running jobs): ``because`` says what
    holds every operator's data, ``does`` what such an administrator does."""
    access.require(actor, Permission.RUN_JOBS)
    if actor.operator is not None:
        raise PermissionDeniedError(
            f"{because}: {actor.name} administers {actor.operator} only; an administrator of "
            f"every operator {does}"
        )


def audit(
    session: Session,
    actor: Actor,
    *,
    action: str,
    target: str,
    before: Any,
    after: Any,
    now: datetime,
    amount_fen: int | None = None,
    request_key: str | None = None,
) -> None:
    """Record a write in the audit log (with the money it moved by the actor's decision)."""
    access.audit(
        session,
        actor=actor,
        action=action,
        target=target,
        before=before,
        after=after,
        now=now,
        amount_fen=amount_fen,
        request_key=request_key,
    )


def moment(today: date, now: datetime) -> datetime:
    """Return the time of day of ``now`` on the business day ``today``."""
    return datetime.combine(today, now.time()).replace(microsecond=0)
