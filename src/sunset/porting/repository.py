"""Rule sets from their YAML files; every query on port requests and their log."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sunset.kit.catalogues import load_catalogue
from sunset.porting.models import PortEvent, PortRequest
from sunset.porting.schemas import RuleSet
from sunset.porting.vocabulary import OPEN_STATES, PortState


@lru_cache(maxsize=4)
def load_rule_sets(extra: Path | None) -> tuple[RuleSet, ...]:
    """Return the shipped rule sets, then those of ``extra`` (the same id replaces one)."""
    found = load_catalogue(
        RuleSet, package="sunset.porting", file="rule_sets.yaml", key="rule_sets", extra=extra
    )
    return tuple(found.values())


def add_request(session: Session, request: PortRequest) -> None:
    """Store a new port request (its id is known afterwards)."""
    session.add(request)
    session.flush()


def add_event(session: Session, event: PortEvent) -> None:
    """Log one transition."""
    session.add(event)
    session.flush()


def open_request(session: Session, *, number: str, lock: bool = False) -> PortRequest | None:
    """Return the open port request of a number, if any (locked for update when asked)."""
    query = (
        select(PortRequest)
        .where(PortRequest.number == number, PortRequest.state.in_(OPEN_STATES))
        .order_by(PortRequest.id.desc())
        .limit(1)
    )
    return session.scalar(query.with_for_update() if lock else query)


def requests_of(session: Session, *, number: str) -> list[PortRequest]:
    """Return every port request of a number, oldest first."""
    query = select(PortRequest).where(PortRequest.number == number).order_by(PortRequest.id)
    return list(session.scalars(query))


def events_of(session: Session, request: PortRequest) -> list[PortEvent]:
    """Return the log of one request, in order."""
    query = (
        select(PortEvent)
        .where(PortEvent.area_code == request.area_code, PortEvent.request_id == request.id)
        .order_by(PortEvent.id)
    )
    return list(session.scalars(query))


def in_state(
    session: Session,
    state: PortState,
    *,
    before: datetime | None = None,
    field: str = "requested_at",
    donor_operator: str | None = None,
) -> list[PortRequest]:
    """Return requests in ``state`` whose ``field`` is at or before ``before`` (if given), of
    one donor operator when given."""
    query = select(PortRequest).where(PortRequest.state == state.value)
    if before is not None:
        query = query.where(getattr(PortRequest, field) <= before)
    if donor_operator is not None:
        query = query.where(PortRequest.donor_operator == donor_operator)
    return list(session.scalars(query.order_by(PortRequest.id)))


def open_requests(
    session: Session,
    *,
    donor_operator: str | None,
    state: PortState | None,
    limit: int,
    offset: int,
) -> list[PortRequest]:
    """Return a page of open requests (in one state, of one donor operator when given), oldest
    first."""
    query = select(PortRequest).where(
        PortRequest.state == state.value if state else PortRequest.state.in_(OPEN_STATES)
    )
    if donor_operator is not None:
        query = query.where(PortRequest.donor_operator == donor_operator)
    return list(session.scalars(query.order_by(PortRequest.id).limit(limit).offset(offset)))


def stats_rows(session: Session, *, operator: str | None = None) -> list[tuple[object, ...]]:
    """Return (requested_at, closed_at, state, reason, donor, recipient) of every request (to or
    from one operator when given)."""
    query = select(
        PortRequest.requested_at,
        PortRequest.closed_at,
        PortRequest.state,
        PortRequest.reason_code,
        PortRequest.donor_operator,
        PortRequest.recipient_operator,
    )
    if operator is not None:
        query = query.where(
            or_(PortRequest.donor_operator == operator, PortRequest.recipient_operator == operator)
        )
    return [tuple(row) for row in session.execute(query)]
