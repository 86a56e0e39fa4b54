"""What happens to one line: it opens, is suspended or resumed, closes, is held out of the
switch-off. Each step checks what the line itself says (its status, its number) and writes it;
what the retirement plan allows and what money moves is the use case's to ask
(``sunset.usecases.operations``), before and after these steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.errors import (
    InputInvalidError,
    NotFoundError,
    NumberInvalidError,
    OperationRefusedError,
)
from sunset.kit import fields
from sunset.kit.money import format_yuan
from sunset.kit.numbers import display, plan_for
from sunset.lines import repository, rules
from sunset.lines.models import Customer, Exemption, Line, NumberHold
from sunset.lines.vocabulary import LineStatus, NumberState, SuspensionReason, Vulnerability
from sunset.reference import repository as reference

NUMBER_CHARS = 40  # as typed: "+86 (0551) 6234-5678" and the like


class NumberTakenError(OperationRefusedError):
    """A number that cannot be given out now: live on a line, or resting in quarantine.
    ``operator_code`` says whose it is, so that another operator's staff are told no more than
    that it is not available."""

    def __init__(self, message: str, *, code: str, operator_code: str | None) -> None:
        super().__init__(message, code=code, field="number")
        self.operator_code = operator_code


def normalise_number(raw: str) -> str:
    """Return a number as a person typed it in E.164, or say why it is not a number."""
    typed = fields.required_text(raw, field="number", limit=NUMBER_CHARS)
    plan = plan_for(get_settings().numbering_overlay)
    try:
        return plan.normalise(typed)[0]
    except NumberInvalidError as exc:
        raise InputInvalidError(f"number {exc.message}", field="number") from exc


def get_live_or_raise(session: Session, *, number: str, lock: bool = False) -> Line:
    """Return the live line of a number as a person typed it, or say there is none."""
    e164 = normalise_number(number)
    line = repository.get_live(session, e164, lock=lock)
    if line is None:
        raise NotFoundError(f"no live line has the number {display(e164)}")
    return line


def line_context(session: Session, *, today: date) -> rules.LineContext:
    """Gather what validating lines needs from the catalogue and the schema."""
    settings = get_settings()
    networks = reference.networks(session)
    local = reference.local_networks(session)
    return rules.LineContext(
        today=today,
        operators=frozenset(reference.operator_codes(session)),
        number_formats={code: n.number_format for code, n in networks.items()},
        area_groups={code: n.merged_into or code for code, n in local.items()},
        id_salt=settings.id_salt,
        max_monthly_fee_fen=settings.max_monthly_fee_yuan * 100,
        text_limits={
            "customer_id": fields.max_chars(Customer.customer_ref) or 64,
            "customer_name": fields.max_chars(Customer.name) or 200,
            "home_site": fields.max_chars(Line.home_site) or 64,
        },
    )


@dataclass(frozen=True)
class NewLine:
    """What opening a line needs to know."""

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


def check_new_line(session: Session, *, new: NewLine, today: date) -> None:
    """Refuse a line to open by every rule an imported line must meet (one definition: the
    import's checks, on a one-row frame), naming each field that fails and why."""
    row = {
        "number": new.number,
        "operator": new.operator,
        "network": new.network,
        "area_code": new.area_code,
        "customer_id": new.customer_ref,
        "real_name": str(new.real_name).lower(),
        "activated_on": today.isoformat(),
        "status": LineStatus.ACTIVE.value,
        "monthly_fee": format_yuan(new.monthly_fee_fen),
        "balance": "0",
        "customer_name": new.customer_name,
        "prepaid": str(new.prepaid).lower(),
        "vulnerable": new.vulnerable,
    }
    frame = pl.DataFrame({k: [v] for k, v in row.items()}, schema=dict.fromkeys(row, pl.String))
    plan = plan_for(get_settings().numbering_overlay)
    _, errors = rules.validate(frame, np.array([1]), line_context(session, today=today), plan)
    if errors:
        raise InputInvalidError(
            "; ".join(f"{e.column}: {e.reason}" for e in errors), field=errors[0].column
        )


def open_line(session: Session, *, new: NewLine, e164: str, today: date) -> Line:
    """Open a line on a number that is free: not live, not resting in quarantine."""
    live = repository.get_live(session, e164)
    if live is not None:
        raise NumberTakenError(
            f"{display(e164)} is already live",
            code="NUMBER_IN_USE",
            operator_code=live.operator_code,
        )
    hold = repository.get_hold(session, area_code=new.area_code, number=e164)
    if hold is not None and hold.state == NumberState.QUARANTINE and (hold.until or today) > today:
        before = session.get(Line, hold.from_line_id) if hold.from_line_id else None
        raise NumberTakenError(
            f"{display(e164)} is in quarantine until {hold.until} (cancelled on {hold.since})",
            code="NUMBER_IN_QUARANTINE",
            operator_code=before.operator_code if before else None,
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
    return line


def suspend(session: Session, *, line: Line, reason: SuspensionReason, today: date) -> None:
    """Suspend an active line for a reason (a sunset suspension stops its billing from today)."""
    if line.status == LineStatus.SUSPENDED:
        raise OperationRefusedError(
            f"{display(line.number)} is already suspended ({line.suspension_reason})",
            code="LINE_ALREADY_SUSPENDED",
        )
    line.status, line.suspension_reason = LineStatus.SUSPENDED.value, reason.value
    if reason == SuspensionReason.SUNSET:
        line.suspended_on = today  # suspended without billing from today
    session.flush()


def resume(session: Session, *, line: Line) -> None:
    """Resume a suspended line, unless it is suspended for bills still unpaid."""
    if line.status != LineStatus.SUSPENDED:
        raise OperationRefusedError(
            f"{display(line.number)} is not suspended", code="LINE_NOT_SUSPENDED"
        )
    if line.suspension_reason == SuspensionReason.ARREARS and line.unpaid_bills > 0:
        raise OperationRefusedError(
            f"{display(line.number)} has {line.unpaid_bills} unpaid bill(s): pay them first",
            code="RESUME_REFUSED_ARREARS",
        )
    line.status, line.suspension_reason, line.suspended_on = LineStatus.ACTIVE.value, None, None
    session.flush()


def close(session: Session, *, line: Line, today: date, key: str) -> date:
    """Mark a line terminated by the request ``key`` and quarantine its number; return the day
    the quarantine ends. (Its last days and its refund are the ledger's.)"""
    line.status, line.suspension_reason, line.terminated_on, line.closing_key = (
        LineStatus.TERMINATED.value,
        None,
        today,
        key,
    )
    return quarantine(session, line=line, today=today)


def closed_by(session: Session, *, e164: str, key: str) -> Line | None:
    """Return the line of a number that a termination with ``key`` already closed, if any."""
    return repository.closed_by_key(session, e164, key)


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
    session: Session, *, line: Line, until: date, granted_by: str, reason: str, today: date
) -> None:
    """Keep a line out of the switch-off until a date, recording who granted it and why."""
    if until < today:
        raise InputInvalidError(
            f"an exemption until {until} would already be over (today {today})", field="until"
        )
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


def confirm_replacement(session: Session, *, line: Line, today: date) -> None:
    """Record that a vulnerable or critical line's replacement works: it may now be switched off."""
    if line.vulnerable == Vulnerability.NONE:
        raise OperationRefusedError(
            f"{display(line.number)} is not registered as vulnerable or critical",
            code="LINE_NOT_VULNERABLE",
        )
    line.replacement_confirmed_on = today
    session.flush()
