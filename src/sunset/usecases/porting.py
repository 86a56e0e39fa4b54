"""Porting at the counter: check, request, authorise, validate, cancel; the queue and the log.

Scope: a port request belongs to the donor, the operator whose line the number leaves. Staff of
another operator are told "not found" for it, exactly as for a number with no line, so that the
existence of a competitor's customer is never revealed; the regulator sees every operator.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.config import get_settings
from sunset.errors import InputInvalidError
from sunset.kit import fields
from sunset.kit.moments import Moment
from sunset.kit.numbers import display
from sunset.lines import service as lines
from sunset.lines.models import Line
from sunset.porting import eligibility, reports, service
from sunset.porting import repository as porting_repo
from sunset.porting.models import PortRequest
from sunset.porting.reports import PairMonth
from sunset.porting.schemas import PortEventView, PortOutcome, PortRequestView
from sunset.porting.vocabulary import OPEN_STATES, BalanceHandling, PortState

from .common import audit, not_found, scoped_line
from .schemas import PortTargetCheck

__all__ = ["BalanceHandling", "PairMonth", "PortState"]

MAX_PAGE = 200


class PortEventOut(PortEventView):
    """One logged transition, its moment with the offset (Beijing time)."""

    at: Moment


class PortRequestOut(PortRequestView):
    """A port request and where it stands, its moments with the offset (Beijing time)."""

    requested_at: Moment
    auth_expires_at: Moment | None
    scheduled_for: Moment | None
    closed_at: Moment | None
    events: list[PortEventOut] = Field(default_factory=list)  # type: ignore[assignment]


class PortOutcomeOut(PortOutcome):
    """What a porting step did, the request's moments with the offset."""

    request: PortRequestOut


class PortQueueRow(PortRequestOut):
    """An open request in the queue, flagged when the donor is late to validate it."""

    overdue: bool = Field(description="Authorised and not validated within the allowed hours")


class PortQueue(BaseModel):
    """A page of open port requests."""

    items: list[PortQueueRow]
    limit: int
    offset: int
    validation_hours: int


def check(
    session: Session,
    actor: Actor,
    *,
    number: str,
    to: str,
    now: datetime,
    area: str | None = None,
    name: str | None = None,
    id_number: str | None = None,
) -> PortTargetCheck:
    """Say whether a line may port to ``to`` (operator or operator/network) now, with reasons;
    a name and ID number given are matched against the customer's record."""
    line = scoped_line(session, actor, number=number, today=now.date())
    found = eligibility.check(
        session,
        number=line.number,
        destination=eligibility.Destination(to, area, name, id_number),
        now=now,
        line=line,
    )
    return PortTargetCheck(to=to, **found.model_dump())


def _by(actor: Actor, role: str | None) -> str:
    """Who the port's log says took a step: the actor, and for whom (customer, recipient)."""
    who = fields.text(role, field="actor", limit=40)
    return f"{actor.name} ({who})" if who else actor.name


def request(
    session: Session,
    actor: Actor,
    *,
    number: str,
    to: str,
    now: datetime,
    name: str | None = None,
    id_number: str | None = None,
    balance: BalanceHandling = BalanceHandling.REFUND,
    area: str | None = None,
    role: str | None = None,
) -> PortOutcomeOut:
    """Ask the donor to port a line: a one-time code when the rules allow it, else every reason
    (the refusal is recorded either way)."""
    line = scoped_line(
        session, actor, number=number, permission=Permission.PORT, lock=True, today=now.date()
    )
    done = service.request(
        session,
        number=line.number,
        destination=eligibility.Destination(to, area, name, id_number),
        now=now,
        actor=_by(actor, role),
        balance=balance,
        line=line,
    )
    after = done.request.model_dump(mode="json")  # never the code: the log is read by admins
    _audit(session, actor, "port.request", line, before=None, after=after, now=now)
    return _out(done)


def authorise(
    session: Session,
    actor: Actor,
    *,
    number: str,
    code: str,
    now: datetime,
    role: str | None = None,
) -> PortOutcomeOut:
    """Present the customer's authorisation code."""
    line, before = _open(session, actor, number)
    done = service.authorise(
        session, number=line.number, code=code, now=now, actor=_by(actor, role)
    )
    _audit(session, actor, "port.authorise", line, before=before, after=_state(done), now=now)
    return _out(done)


def validate(
    session: Session,
    actor: Actor,
    *,
    number: str,
    now: datetime,
    reject: str | None = None,
    note: str | None = None,
    role: str | None = None,
) -> PortOutcomeOut:
    """Validate an authorised request for the donor, or reject it on a ground of the catalogue."""
    line, before = _open(session, actor, number)
    done = service.validate(
        session,
        number=line.number,
        now=now,
        actor=_by(actor, role),
        reject=reject,
        note=fields.text(note, field="note", limit=500),
    )
    _audit(session, actor, "port.validate", line, before=before, after=_state(done), now=now)
    return _out(done)


def cancel(
    session: Session,
    actor: Actor,
    *,
    number: str,
    now: datetime,
    note: str | None = None,
    role: str | None = None,
) -> PortOutcomeOut:
    """Cancel an open request before it completes."""
    line, before = _open(session, actor, number)
    done = service.cancel(
        session,
        number=line.number,
        now=now,
        actor=_by(actor, role),
        note=fields.text(note, field="note", limit=500),
    )
    _audit(session, actor, "port.cancel", line, before=before, after=_state(done), now=now)
    return _out(done)


def log(session: Session, actor: Actor, *, number: str) -> list[PortRequestOut]:
    """Return every port request of a number the actor may see, each with its transitions."""
    access.require(actor, Permission.READ_LINES)
    e164 = lines.normalise_number(number)
    seen = [
        PortRequestOut.model_validate(reports.view(session, req).model_dump())
        for req in porting_repo.requests_of(session, number=e164)
        if actor.sees(req.donor_operator)
    ]
    if not seen:
        raise not_found(display(e164))
    return seen


def queue(
    session: Session,
    actor: Actor,
    *,
    now: datetime,
    state: PortState | None = None,
    limit: int = 50,
    offset: int = 0,
) -> PortQueue:
    """Return open requests, oldest first; staff see the ports away from their operator."""
    access.require(actor, Permission.READ_LINES)
    _page_bounds(limit, offset)
    if state is not None and state.value not in OPEN_STATES:
        raise InputInvalidError(
            f"state: the queue holds open requests ({', '.join(OPEN_STATES)}), not {state.value}"
        )
    hours = get_settings().port_validation_hours
    found = porting_repo.open_requests(
        session, donor_operator=actor.operator, state=state, limit=limit, offset=offset
    )
    items = [_queue_row(session, req, now=now, hours=hours) for req in found]
    return PortQueue(items=items, limit=limit, offset=offset, validation_hours=hours)


def overdue(session: Session, actor: Actor, *, now: datetime) -> list[PortRequestOut]:
    """Return authorised requests not validated in time (of the actor's operator as donor)."""
    access.require(actor, Permission.READ_LINES)
    hours = get_settings().port_validation_hours
    late = reports.overdue(session, now=now, hours=hours, donor_operator=actor.operator)
    return [PortRequestOut.model_validate(r.model_dump()) for r in late]


def stats(session: Session, actor: Actor) -> list[PairMonth]:
    """Count ports by month and operator pair (the pairs the actor's operator is in)."""
    access.require(actor, Permission.READ_STATS)
    return reports.stats(session, operator=actor.operator)


def _queue_row(session: Session, req: PortRequest, *, now: datetime, hours: int) -> PortQueueRow:
    late = (
        req.state == PortState.AUTHORISED
        and req.authorised_at is not None
        and req.authorised_at <= now - timedelta(hours=hours)
    )
    shown = reports.view(session, req, with_events=False)
    return PortQueueRow(**shown.model_dump(), overdue=late)


def _page_bounds(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InputInvalidError(f"limit must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise InputInvalidError("offset cannot be negative")


def _open(session: Session, actor: Actor, number: str) -> tuple[Line, dict[str, Any] | None]:
    """Return the donor line the actor may act on, and its open request as it stands now."""
    line = scoped_line(session, actor, number=number, permission=Permission.PORT)
    req = porting_repo.open_request(session, number=line.number)
    before = None if req is None else _request_state(reports.view(session, req, with_events=False))
    return line, before


def _request_state(shown: PortRequestView) -> dict[str, Any]:
    return {
        "request": shown.id,
        "state": shown.state,
        "recipient": shown.recipient,
        "scheduled_for": shown.scheduled_for.isoformat() if shown.scheduled_for else None,
        "reason_code": shown.reason_code,
    }


def _out(done: PortOutcome) -> PortOutcomeOut:
    return PortOutcomeOut.model_validate(done.model_dump())


def _state(done: PortOutcome) -> dict[str, Any]:
    return {**_request_state(done.request), "message": done.message}


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    line: Line,
    *,
    before: Any,
    after: Any,
    now: datetime,
) -> None:
    target = display(line.number)
    audit(session, actor, action=action, target=target, before=before, after=after, now=now)
