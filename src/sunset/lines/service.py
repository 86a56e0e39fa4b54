"""Operations on one line, each checked against the retirement plan in force that day.

activate, top_up, suspend, resume, terminate: load the line, ask the plan's rules, refuse with
their reason or write the change (money through the ledger, once per idempotency key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.errors import (
    InputInvalidError,
    NotFoundError,
    NumberInvalidError,
    OperationRefusedError,
)
from sunset.kit.money import format_yuan
from sunset.kit.numbers import display, plan_for
from sunset.ledger import service as ledger
from sunset.ledger.rules import EntryKind
from sunset.lines import repository
from sunset.lines.models import Customer, Exemption, Line, NumberHold
from sunset.lines.vocabulary import LineStatus, NumberState, SuspensionReason, Vulnerability
from sunset.plans import rules as plan_rules
from sunset.plans import service as plans
from sunset.reference import repository as reference


@dataclass(frozen=True)
class LineOutcome:
    """What an operation left: the line's number, status and balance, and what happened."""

    number: str
    status: str
    balance: str
    message: str
    replayed: bool = False


def normalise_number(raw: str) -> str:
    """Return a number as a person typed it in E.164, or say why it is not a number."""
    plan = plan_for(get_settings().numbering_overlay)
    try:
        return plan.normalise(raw)[0]
    except NumberInvalidError as exc:
        raise InputInvalidError(f"number {exc.message}") from exc


def get_live_or_raise(session: Session, *, number: str, lock: bool = False) -> Line:
    """Return the live line of a number as a person typed it, or say there is none."""
    e164 = normalise_number(number)
    line = repository.get_live(session, e164, lock=lock)
    if line is None:
        raise NotFoundError(f"no live line has the number {display(e164)}")
    return line


def _refuse(refusal: plan_rules.Refusal | None) -> None:
    if refusal is not None:
        raise OperationRefusedError(refusal.message, code=refusal.code)


def _plan_of(session: Session, line: Line) -> tuple[plan_rules.PlanDates, str]:
    dates = plans.plan_dates(session, area_code=line.area_code, network_code=line.network_code)
    local = reference.get_local_network(session, line.area_code)
    assert local is not None  # a line's local network is a foreign key
    return dates, f"the {line.network_code} network of {local.city_en} ({line.area_code})"


def _outcome(line: Line, message: str, *, replayed: bool = False) -> LineOutcome:
    return LineOutcome(
        display(line.number), line.status, format_yuan(line.balance_fen), message, replayed
    )


def top_up(session: Session, *, number: str, amount_fen: int, today: date, key: str) -> LineOutcome:
    """Add money to a line's balance, unless the plan refuses top-ups from that day on."""
    if amount_fen <= 0:
        raise InputInvalidError("a top-up must be a positive amount")
    ledger.check_key(key)
    line = get_live_or_raise(session, number=number, lock=True)
    # A retry of a top-up already taken is answered as such, whatever the phase is now.
    posted = ledger.replayed(
        session, line=line, kind=EntryKind.TOP_UP, amount_fen=amount_fen, key=key
    )
    if posted is None:
        dates, where = _plan_of(session, line)
        _refuse(plan_rules.may_top_up(dates, today, where=where))
        posted = ledger.post(
            session, line=line, kind=EntryKind.TOP_UP, amount_fen=amount_fen, day=today, key=key
        )
    verb = "was already applied" if posted.replayed else "applied"
    return _outcome(
        line, f"top-up of {format_yuan(amount_fen)} yuan {verb}", replayed=posted.replayed
    )


@dataclass(frozen=True)
class NewLine:
    """What activating a line needs to know."""

    number: str
    operator: str
    network: str
    area_code: str
    customer_ref: str
    real_name: bool
    monthly_fee_fen: int
    prepaid: bool
    customer_name: str | None = None
    vulnerable: str = Vulnerability.NONE.value


def activate(session: Session, *, new: NewLine, today: date) -> LineOutcome:
    """Open a new line, unless the plan has stopped new sales or the number is not free."""
    e164 = normalise_number(new.number)
    local = reference.local_networks(session).get(new.area_code)
    if local is None or new.network not in reference.networks(session):
        raise InputInvalidError(f"unknown area code {new.area_code} or network {new.network}")
    dates = plans.plan_dates(session, area_code=new.area_code, network_code=new.network)
    where = f"the {new.network} network of {local.city_en} ({new.area_code})"
    _refuse(plan_rules.may_activate(dates, today, where=where))
    if repository.get_live(session, e164) is not None:
        raise OperationRefusedError(f"{display(e164)} is already live", code="NUMBER_IN_USE")
    hold = repository.get_hold(session, area_code=new.area_code, number=e164)
    if hold is not None and hold.state == NumberState.QUARANTINE and (hold.until or today) > today:
        raise OperationRefusedError(
            f"{display(e164)} is in quarantine until {hold.until} (cancelled on {hold.since})",
            code="NUMBER_IN_QUARANTINE",
        )
    if hold is not None:
        repository.delete_hold(session, hold)
    repository.ensure_customer(
        session,
        Customer(
            area_code=new.area_code,
            operator_code=new.operator,
            customer_ref=new.customer_ref,
            name=new.customer_name,
            real_name=new.real_name,
        ),
    )
    line = Line(
        area_code=new.area_code,
        number=e164,
        operator_code=new.operator,
        network_code=new.network,
        customer_ref=new.customer_ref,
        real_name=new.real_name,
        status=LineStatus.ACTIVE.value,
        activated_on=today,
        monthly_fee_fen=new.monthly_fee_fen,
        prepaid=new.prepaid,
        unpaid_bills=0,
        vulnerable=new.vulnerable,
        balance_fen=0,
    )
    repository.add_line(session, line)
    return _outcome(line, "line activated")


def suspend(session: Session, *, number: str, reason: SuspensionReason, today: date) -> LineOutcome:
    """Suspend an active line for a reason."""
    line = get_live_or_raise(session, number=number, lock=True)
    dates, where = _plan_of(session, line)
    _refuse(plan_rules.may_operate(dates, today, where=where))
    if line.status == LineStatus.SUSPENDED:
        raise OperationRefusedError(
            f"{display(line.number)} is already suspended ({line.suspension_reason})",
            code="LINE_ALREADY_SUSPENDED",
        )
    line.status, line.suspension_reason = LineStatus.SUSPENDED.value, reason.value
    if reason == SuspensionReason.SUNSET:
        line.suspended_on = today  # suspended without billing from today
    session.flush()
    return _outcome(line, f"line suspended ({reason.value})")


def resume(session: Session, *, number: str, today: date) -> LineOutcome:
    """Resume a suspended line, unless the network is off or the reason still holds."""
    line = get_live_or_raise(session, number=number, lock=True)
    dates, where = _plan_of(session, line)
    _refuse(plan_rules.may_operate(dates, today, where=where))
    if line.status != LineStatus.SUSPENDED:
        raise OperationRefusedError(
            f"{display(line.number)} is not suspended", code="LINE_NOT_SUSPENDED"
        )
    if line.suspension_reason == SuspensionReason.SUNSET:
        _refuse(plan_rules.may_top_up(dates, today, where=where))
    if line.suspension_reason == SuspensionReason.ARREARS and line.unpaid_bills > 0:
        raise OperationRefusedError(
            f"{display(line.number)} has {line.unpaid_bills} unpaid bill(s): pay them first",
            code="RESUME_REFUSED_ARREARS",
        )
    line.status, line.suspension_reason, line.suspended_on = LineStatus.ACTIVE.value, None, None
    session.flush()
    return _outcome(line, "line resumed")


def terminate(session: Session, *, number: str, today: date, key: str) -> LineOutcome:
    """Close a line at the customer's request: refund its balance, quarantine its number.

    A retry with the key of a termination already done is answered with that termination,
    whatever happened to the number since: nothing is done twice.
    """
    earlier = earlier_termination(session, number=number, key=key)  # checks the key too
    if earlier is not None:
        return terminated_before(earlier)
    line = get_live_or_raise(session, number=number, lock=True)
    ledger.charge_days_used(session, line=line, today=today)
    refunded = ledger.refund_balance(
        session, line=line, day=today, key=f"{key}:refund", reason="line terminated"
    )
    line.status, line.suspension_reason, line.terminated_on, line.closing_key = (
        LineStatus.TERMINATED.value,
        None,
        today,
        key,
    )
    until = quarantine(session, line=line, today=today)
    return _outcome(
        line,
        f"line terminated; {format_yuan(refunded)} yuan to refund; number in quarantine until "
        f"{until}",
    )


def earlier_termination(session: Session, *, number: str, key: str) -> Line | None:
    """Return the line a termination with ``key`` already closed, if any."""
    ledger.check_key(key)
    return repository.closed_by_key(session, normalise_number(number), key)


def terminated_before(line: Line) -> LineOutcome:
    """Answer a retried termination with the one it made."""
    return _outcome(
        line, f"line was already terminated on {line.terminated_on} by this request", replayed=True
    )


def quarantine(session: Session, *, line: Line, today: date, at_least: date | None = None) -> date:
    """Put the number of a line that gave it up in quarantine; return the day it ends."""
    until = today + timedelta(days=get_settings().quarantine_days)
    if at_least is not None:
        until = max(until, at_least)
    repository.hold_number(
        session,
        NumberHold(
            area_code=line.area_code,
            number=line.number,
            state=NumberState.QUARANTINE.value,
            since=today,
            until=until,
            from_line_id=line.id,
        ),
    )
    return until


def grant_exemption(
    session: Session, *, number: str, until: date, granted_by: str, reason: str, today: date
) -> LineOutcome:
    """Keep a line out of the switch-off until a date, recording who granted it and why."""
    if until < today:
        raise InputInvalidError(f"an exemption until {until} would already be over (today {today})")
    if not reason.strip() or not granted_by.strip():
        raise InputInvalidError("an exemption needs who grants it (--by) and why (--reason)")
    line = get_live_or_raise(session, number=number, lock=True)
    repository.add_exemption(
        session,
        Exemption(
            area_code=line.area_code,
            line_id=line.id,
            granted_by=granted_by,
            reason=reason,
            granted_on=today,
            until=until,
        ),
    )
    return _outcome(line, f"exempt from the switch-off until {until} (granted by {granted_by})")


def confirm_replacement(session: Session, *, number: str, today: date) -> LineOutcome:
    """Record that a vulnerable or critical line's replacement works: it may now be switched off."""
    line = get_live_or_raise(session, number=number, lock=True)
    if line.vulnerable == Vulnerability.NONE:
        raise OperationRefusedError(
            f"{display(line.number)} is not registered as vulnerable or critical",
            code="LINE_NOT_VULNERABLE",
        )
    line.replacement_confirmed_on = today
    session.flush()
    return _outcome(line, f"replacement confirmed for this {line.vulnerable} line")
