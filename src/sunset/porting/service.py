"""Porting use cases: check, request, authorise, validate, schedule, complete, cancel, log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.errors import InputInvalidError, NotFoundError, OperationRefusedError
from sunset.kit.numbers import display
from sunset.lines import service as lines
from sunset.lines.models import Line
from sunset.porting import eligibility, repository, rules
from sunset.porting.eligibility import Destination
from sunset.porting.models import PortEvent, PortRequest
from sunset.porting.reports import outcome
from sunset.porting.schemas import (
    PortOutcome,
    ReasonView,
)
from sunset.porting.vocabulary import (
    CATALOGUE,
    CUSTOMER_STATE,
    DONOR_GROUNDS,
    MANUAL_ONLY,
    BalanceHandling,
    PortState,
)
from sunset.routing import service as routing
from sunset.routing.vocabulary import RouteSource


def _hash_code(request: PortRequest, code: str) -> str:
    salt = get_settings().id_salt
    return hashlib.sha256(f"{salt}:port:{request.id}:{code}".encode()).hexdigest()


def log_transition(
    session: Session,
    request: PortRequest,
    *,
    to: PortState,
    at: datetime,
    actor: str,
    reason: str | None = None,
    note: str | None = None,
    first: bool = False,
) -> None:
    """Move a request to ``to`` and log the transition with who and why (``first``: the request
    has just been made and comes from no state). A rejection keeps its reason on the request."""
    _log_event(
        session,
        request,
        from_state=None if first else request.state,
        to_state=to.value,
        at=at,
        actor=actor,
        reason=reason,
        note=note,
    )
    request.state = to.value
    if to == PortState.REJECTED:
        request.reason_code = reason
    if to in (PortState.COMPLETED, PortState.CANCELLED, PortState.REJECTED):
        request.closed_at = at
    session.flush()


def _log_event(
    session: Session,
    request: PortRequest,
    *,
    from_state: str | None,
    to_state: str,
    at: datetime,
    actor: str,
    reason: str | None,
    note: str | None,
) -> None:
    repository.add_event(
        session,
        PortEvent(
            area_code=request.area_code,
            request_id=request.id,
            at=at,
            from_state=from_state,
            to_state=to_state,
            actor=actor,
            reason_code=reason,
            note=note,
        ),
    )


def request(
    session: Session,
    *,
    number: str,
    destination: Destination,
    now: datetime,
    actor: str,
    balance: BalanceHandling = BalanceHandling.REFUND,
    line: Line | None = None,
) -> PortOutcome:
    """Ask the donor to port a number (its line, when the caller has loaded and locked it): if
    the rules allow it, issue a 6-digit authorisation code valid 60 minutes (shown once, stored
    hashed); if not, record the rejection with every reason."""
    line = line or lines.get_live_or_raise(session, number=number, lock=True)
    target = destination.target(line)
    _expire_stale_code(session, line.number, now)
    in_force, found = eligibility.reasons(
        session, line, target, now, exclude=None, destination=destination
    )
    req = PortRequest(
        area_code=line.area_code,
        number=line.number,
        line_id=line.id,
        donor_operator=line.operator_code,
        donor_network=line.network_code,
        recipient_operator=target.operator,
        recipient_network=target.network,
        rule_set=in_force.id if in_force else "(none)",
        state=(PortState.REJECTED if found else PortState.REQUESTED).value,
        balance_handling=balance.value,
        requested_at=now,
        balance_moved_fen=0,
    )
    repository.add_request(session, req)
    views = [ReasonView(code=r.code, message=r.message) for r in found]
    if found:
        log_transition(
            session,
            req,
            to=PortState.REJECTED,
            at=now,
            actor=actor,
            reason=found[0].code,
            note="; ".join(r.code for r in found),
            first=True,
        )
        return outcome(session, req, "port refused", refused=views[0], reasons=views)
    code = f"{secrets.randbelow(1_000_000):06d}"
    req.auth_code_hash = _hash_code(req, code)
    req.auth_expires_at = now + rules.AUTH_CODE_VALID
    log_transition(
        session,
        req,
        to=PortState.REQUESTED,
        at=now,
        actor=actor,
        note=f"authorisation code sent, valid until {req.auth_expires_at:%H:%M}",
        first=True,
    )
    return outcome(session, req, "authorisation code issued", auth_code=code)


def _expire_stale_code(session: Session, number: str, now: datetime) -> None:
    """A request whose code expired unused closes, so the customer may ask for a new code."""
    stale = repository.open_request(session, number=number, lock=True)
    if stale is not None:
        expire_unused_code(session, stale, now=now, note="a new code was requested")


def expire_unused_code(session: Session, req: PortRequest, *, now: datetime, note: str) -> bool:
    """Close a request whose authorisation code expired before it was presented; return whether
    it did. The one place a code expires: a new request for the number, and the porting run."""
    if req.state != PortState.REQUESTED:
        return False
    if req.auth_expires_at is None or req.auth_expires_at >= now:
        return False
    log_transition(
        session,
        req,
        to=PortState.CANCELLED,
        at=now,
        actor="sunset",
        reason="PORT_CODE_EXPIRED",
        note=note,
    )
    return True


def _open_or_raise(session: Session, number: str) -> PortRequest:
    e164 = lines.normalise_number(number)
    found = repository.open_request(session, number=e164, lock=True)
    if found is None:
        raise NotFoundError(f"{display(e164)} has no open port request")
    return found


def _require(req: PortRequest, *states: PortState) -> None:
    if req.state not in states:
        wanted = " or ".join(s.value for s in states)
        raise OperationRefusedError(
            f"request {req.id} is {req.state}; this step needs it {wanted}",
            code="PORT_NOT_IN_STATE",
        )


def authorise(
    session: Session, *, number: str, code: str, now: datetime, actor: str
) -> PortOutcome:
    """Accept the authorisation code the recipient presents, if it matches and is in time."""
    req = _open_or_raise(session, number)
    _require(req, PortState.REQUESTED)
    if req.auth_expires_at is None or now > req.auth_expires_at:
        raise OperationRefusedError(
            f"{CATALOGUE['PORT_CODE_EXPIRED']}: it expired at {req.auth_expires_at}; "
            "ask the donor for a new one",
            code="PORT_CODE_EXPIRED",
        )
    if req.auth_code_hash != _hash_code(req, code.strip()):
        raise OperationRefusedError(CATALOGUE["PORT_CODE_WRONG"], code="PORT_CODE_WRONG")
    req.authorised_at = now
    log_transition(session, req, to=PortState.AUTHORISED, at=now, actor=actor)
    return outcome(session, req, "authorised; waiting for the donor's validation")


def validate(
    session: Session,
    *,
    number: str,
    now: datetime,
    actor: str,
    reject: str | None = None,
    note: str | None = None,
) -> PortOutcome:
    """Validate an authorised request for the donor: from the rules, or a manual rejection on a
    catalogue ground. A ground the donor brought about after the eligibility check is refused as
    obstruction (and logged for the regulator); a valid request is scheduled at the next slot."""
    req = _open_or_raise(session, number)
    _require(req, PortState.AUTHORISED)
    line = session.get(Line, req.line_id)
    assert line is not None
    target = rules.Target(req.recipient_operator, req.recipient_network, req.area_code)
    _, now_true = eligibility.reasons(session, line, target, now, exclude=req.id)
    legitimate = [r for r in now_true if r.code in CUSTOMER_STATE]
    if reject is not None:
        return _manual_rejection(session, req, reject, legitimate, now=now, actor=actor, note=note)
    if legitimate:
        log_transition(
            session,
            req,
            to=PortState.REJECTED,
            at=now,
            actor=actor,
            reason=legitimate[0].code,
            note=legitimate[0].message,
        )
        view = ReasonView(code=legitimate[0].code, message=legitimate[0].message)
        return outcome(session, req, "port rejected", refused=view)
    for ground in now_true:  # arose after the check on the donor's side: not a ground
        _obstruction(session, req, ground.code, now=now, actor=actor)
    return _schedule(session, req, now=now, actor=actor)


def _manual_rejection(
    session: Session,
    req: PortRequest,
    code: str,
    legitimate: list[rules.Reason],
    *,
    now: datetime,
    actor: str,
    note: str | None,
) -> PortOutcome:
    if code not in DONOR_GROUNDS:
        raise InputInvalidError(
            f"{code!r} is not a ground in the catalogue; grounds: {', '.join(DONOR_GROUNDS)}",
            field="reject",
        )
    if code in MANUAL_ONLY or code in {r.code for r in legitimate}:
        log_transition(
            session, req, to=PortState.REJECTED, at=now, actor=actor, reason=code, note=note
        )
        view = ReasonView(code=code, message=CATALOGUE[code])
        return outcome(session, req, "port rejected by the donor", refused=view)
    _obstruction(session, req, code, now=now, actor=actor)
    view = ReasonView(
        code="PORT_OBSTRUCTION",
        message=f"{CATALOGUE['PORT_OBSTRUCTION']}: {code} ({CATALOGUE[code]}) did not hold when "
        f"the request was checked on {req.requested_at:%Y-%m-%d %H:%M}; the request stays open",
    )
    return outcome(session, req, "rejection refused as obstruction", refused=view)


def _obstruction(
    session: Session, req: PortRequest, code: str, *, now: datetime, actor: str
) -> None:
    """Log a refused ground for the regulator; the request stays where it was."""
    _log_event(
        session,
        req,
        from_state=req.state,
        to_state=req.state,
        at=now,
        actor=actor,
        reason="PORT_OBSTRUCTION",
        note=f"{code} raised after the eligibility check; not accepted as a ground",
    )


def _schedule(session: Session, req: PortRequest, *, now: datetime, actor: str) -> PortOutcome:
    req.validated_at = now
    log_transition(session, req, to=PortState.VALIDATED, at=now, actor=actor)
    req.scheduled_for = rules.next_slot(now)
    # Dated in the number database now: routers keep sending calls to the donor until the slot.
    routing.record_route(
        session,
        number=req.number,
        operator_code=req.recipient_operator,
        network_code=req.recipient_network,
        valid_from=req.scheduled_for,
        source=RouteSource.PORT.value,
    )
    log_transition(
        session,
        req,
        to=PortState.SCHEDULED,
        at=now,
        actor="sunset",
        note=f"takes effect at {req.scheduled_for:%Y-%m-%d %H:%M}",
    )
    return outcome(
        session, req, f"validated; the port takes effect at {req.scheduled_for:%Y-%m-%d %H:%M}"
    )


def cancel(
    session: Session, *, number: str, now: datetime, actor: str, note: str | None = None
) -> PortOutcome:
    """Cancel an open request at the customer's wish (any time before it completes)."""
    req = _open_or_raise(session, number)
    if req.state == PortState.SCHEDULED and req.scheduled_for is not None:
        routing.withdraw_route(session, number=req.number, valid_from=req.scheduled_for)
    log_transition(session, req, to=PortState.CANCELLED, at=now, actor=actor, note=note)
    return outcome(session, req, "port cancelled; the number stays with the donor")
