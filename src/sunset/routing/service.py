"""Use cases of the number database: record a dated route, answer a route, load the index."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.errors import InputInvalidError, NumberInvalidError, OperationRefusedError
from sunset.kit.numbers import plan_for
from sunset.lines.vocabulary import NumberState
from sunset.reference import repository as reference
from sunset.routing import repository, rules
from sunset.routing.catalogue import routing_numbers
from sunset.routing.index import RoutingIndex, build_index
from sunset.routing.models import RoutingEntry
from sunset.routing.rules import Route
from sunset.routing.vocabulary import RouteSource


def record_route(
    session: Session,
    *,
    number: str,
    operator_code: str,
    network_code: str,
    valid_from: datetime,
    source: str,
    forward_to: str | None = None,
    forward_until: datetime | None = None,
) -> RoutingEntry:
    """Record that from ``valid_from`` (UTC+8) an operator and network serve ``number``.

    Moments are kept to the minute (seconds are dropped), as the index keeps them.
    """
    valid_from = rules.to_the_minute(valid_from)
    forward_until = rules.to_the_minute(forward_until) if forward_until else None
    e164 = _e164(number, "number")
    _check_catalogue(session, operator_code, network_code)
    if source not in {s.value for s in RouteSource}:
        known = ", ".join(s.value for s in RouteSource)
        raise InputInvalidError(f"source: {source!r} is not one of {known}", code="ROUTE_SOURCE")
    target = _e164(forward_to, "forward_to") if forward_to is not None else None
    if (refusal := rules.forward_refusal(valid_from, target, forward_until)) is not None:
        raise InputInvalidError(refusal, code="ROUTE_FORWARD_INVALID")
    existing = repository.entry_at(session, e164, valid_from)
    if existing is not None:
        return _same_or_refuse(existing, operator_code, network_code, source, target, forward_until)
    entry = RoutingEntry(
        area_code=_area_code(session, e164),
        number=e164,
        valid_from=valid_from,
        operator_code=operator_code,
        network_code=network_code,
        routing_number=_routing_number(operator_code, network_code),
        source=source,
        forward_to=target,
        forward_until=forward_until,
    )
    return repository.add(session, entry)


def _same_or_refuse(
    existing: RoutingEntry,
    operator_code: str,
    network_code: str,
    source: str,
    forward_to: str | None,
    forward_until: datetime | None,
) -> RoutingEntry:
    """Return the stored entry when a retry records it again; refuse a different one."""
    stored = (existing.operator_code, existing.network_code, existing.source)
    stored_forward = (existing.forward_to, existing.forward_until)
    if stored == (operator_code, network_code, source) and stored_forward == (
        forward_to,
        forward_until,
    ):
        return existing
    raise OperationRefusedError(
        f"valid_from: {existing.number} already has an entry from {existing.valid_from} "
        f"({existing.operator_code}/{existing.network_code}, {existing.source}); a change of "
        "route needs an entry from another moment",
        code="ROUTE_ALREADY_RECORDED",
    )


def withdraw_route(session: Session, *, number: str, valid_from: datetime) -> bool:
    """Remove the entry a number was given from ``valid_from`` on, before it took effect (a
    scheduled port cancelled); return whether there was one."""
    entry = repository.entry_at(session, _e164(number, "number"), rules.to_the_minute(valid_from))
    if entry is None:
        return False
    repository.withdraw(session, entry)
    return True


def route(session: Session, *, number: str, at: datetime) -> Route:
    """Answer which operator and network serve ``number`` at moment ``at`` (UTC+8)."""
    e164 = _e164(number, "number")
    entries = [_entry(e) for e in repository.entries_of(session, e164)]
    line = repository.live_line(session, e164)
    live = None
    if line is not None:
        live = rules.LiveLine(
            operator_code=line.operator_code,
            network_code=line.network_code,
            routing_number=_numbers().get((line.operator_code, line.network_code)),
            activated=datetime.combine(line.activated_on, time()),
        )
    found = rules.resolve(e164, at, entries, live)
    if found.assigned:
        return found
    if live is not None:
        return replace(found, note=f"its line was activated later, on {live.activated:%Y-%m-%d}")
    return replace(found, note=_why_unassigned(session, e164))


def load_index(session: Session) -> RoutingIndex:
    """Load every entry and every live line into the in-memory index routers query."""
    return build_index(
        repository.iter_entries(session, ordered=False),
        repository.iter_live_lines(session),
        _numbers(),
    )


def _numbers() -> rules.RoutingNumbers:
    return routing_numbers(get_settings().routing_numbers)


def _e164(raw: str, field: str) -> str:
    try:
        e164, _ = plan_for(get_settings().numbering_overlay).normalise(raw)
    except InputInvalidError as exc:
        raise InputInvalidError(f"{field}: {exc.message}", code=exc.code) from None
    except NumberInvalidError as exc:
        raise InputInvalidError(f"{field}: {exc}", code="NUMBER_INVALID") from None
    return e164


def _check_catalogue(session: Session, operator_code: str, network_code: str) -> None:
    operators = reference.operator_codes(session)
    if operator_code not in operators:
        known = ", ".join(sorted(operators))
        raise InputInvalidError(
            f"operator_code: unknown operator {operator_code!r} (known: {known})",
            code="ROUTE_UNKNOWN_OPERATOR",
        )
    networks = reference.networks(session)
    if network_code not in networks:
        known = ", ".join(sorted(networks))
        raise InputInvalidError(
            f"network_code: unknown network {network_code!r} (known: {known})",
            code="ROUTE_UNKNOWN_NETWORK",
        )


def _routing_number(operator_code: str, network_code: str) -> str:
    found = _numbers().get((operator_code, network_code))
    if found is None:
        raise InputInvalidError(
            f"network_code: {operator_code}/{network_code} has no routing number "
            "(add it to routing_numbers.yaml or SUNSET_ROUTING_NUMBERS)",
            code="ROUTE_NO_ROUTING_NUMBER",
        )
    return found


def _area_code(session: Session, e164: str) -> str:
    _, shape = plan_for(get_settings().numbering_overlay).normalise(e164)
    area = shape.area_code or repository.area_of(session, e164)
    if area is None:
        raise InputInvalidError(
            f"number: {e164} is a mobile number on no live line and not yet in the number "
            "database, so its local network (area_code) is unknown",
            code="ROUTE_AREA_UNKNOWN",
        )
    return area


def _entry(row: RoutingEntry) -> rules.Entry:
    return rules.Entry(
        valid_from=row.valid_from,
        operator_code=row.operator_code,
        network_code=row.network_code,
        routing_number=row.routing_number,
        source=row.source,
        forward_to=row.forward_to,
        forward_until=row.forward_until,
    )


def _why_unassigned(session: Session, e164: str) -> str:
    hold = repository.hold_of(session, e164)
    if hold is None:
        return "no line holds this number and the number database has no entry for it"
    if hold.state == NumberState.QUARANTINE.value:
        return f"in quarantine since {hold.since} (until {hold.until}) after its line closed"
    return f"in the free pool since {hold.since}"
