"""Every select, insert and update of customers and lines (the import's bulk side is in
import_repository.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from sunset.db import execute_counted, table_of
from sunset.lines.facts import FACT_FIELDS, LineFacts
from sunset.lines.models import LIVE_WHERE, Customer, Exemption, Line, NumberHold
from sunset.lines.vocabulary import (
    LIVE_STATUSES,
    LineStatus,
    NumberState,
    SuspensionReason,
    Vulnerability,
)


def get_live(session: Session, e164: str, *, lock: bool = False) -> Line | None:
    """Return the live line holding a number, if any (locked for update when asked)."""
    # The status test is the partial index's own WHERE as literal SQL: with bound parameters
    # SQLite cannot prove the index applies and scans the whole table (45 ms per 1M lines).
    query = select(Line).where(Line.number == e164, text(LIVE_WHERE))
    return session.scalar(query.with_for_update() if lock else query)


def closed_by_key(session: Session, e164: str, key: str) -> Line | None:
    """Return the line of a number that a termination with ``key`` closed, if any."""
    query = select(Line).where(
        Line.number == e164, Line.closing_key == key, text("closing_key IS NOT NULL")
    )
    return session.scalar(query.order_by(Line.id.desc()).limit(1))


def last_closed_line(session: Session, e164: str, *, area_codes: list[str]) -> Line | None:
    """Return the line that last gave up a number now on no live line (its hold says which), if
    any. ``area_codes``: every local network, so that the hold's primary key is probed once per
    network rather than the holds read through."""
    hold = session.scalar(
        select(NumberHold).where(NumberHold.area_code.in_(area_codes), NumberHold.number == e164)
    )
    if hold is None or hold.from_line_id is None:
        return None
    return session.get(Line, hold.from_line_id)


def add_line(session: Session, line: Line) -> None:
    """Store a new line."""
    session.add(line)
    session.flush()


def ensure_customer(session: Session, customer: Customer) -> Customer:
    """Return the stored customer with this key, storing ``customer`` if there is none."""
    key = (customer.area_code, customer.operator_code, customer.customer_ref)
    stored = session.get(Customer, key)
    if stored is None:
        session.add(customer)
        session.flush()
        return customer
    return stored


def get_hold(session: Session, *, area_code: str, number: str) -> NumberHold | None:
    """Return the quarantine or pool entry of a number, if any."""
    return session.get(NumberHold, (area_code, number))


def hold_number(session: Session, hold: NumberHold) -> None:
    """Put a number in quarantine (or the pool), replacing an older entry of the same number."""
    session.merge(hold)
    session.flush()


def delete_hold(session: Session, hold: NumberHold) -> None:
    """Take a number out of quarantine or the pool (it is being given to a line)."""
    session.delete(hold)
    session.flush()


def count_lines(session: Session) -> int:
    """Return how many lines there are (any status)."""
    return session.scalar(select(func.count()).select_from(Line)) or 0


def live_ids(session: Session, *, network_code: str) -> list[tuple[str, int]]:
    """Return (number, id) of every live line of a network (a base just imported, mapped)."""
    lines = table_of(Line)
    query = select(lines.c.number, lines.c.id).where(
        lines.c.network_code == network_code, lines.c.status.in_(LIVE_STATUSES)
    )
    return [(str(n), int(i)) for n, i in session.execute(query)]


IDS_A_STATEMENT = 5_000  # line ids bound in one statement (SQLite allows 32,766 parameters)


def operators_of(session: Session, *, area_code: str, line_ids: Sequence[int]) -> set[str]:
    """Return the operators the chosen lines of a local network belong to."""
    lines = table_of(Line)
    found: set[str] = set()
    for start in range(0, len(line_ids), IDS_A_STATEMENT):
        chunk = [int(i) for i in line_ids[start : start + IDS_A_STATEMENT]]
        query = (
            select(lines.c.operator_code)
            .where(lines.c.area_code == area_code, lines.c.id.in_(chunk))
            .distinct()
        )
        found.update(str(o) for o in session.scalars(query))
    return found


def live_in(area_code: str, network_code: str) -> ColumnElement[bool]:
    """Lines of a network in a local network that still hold their number."""
    lines = table_of(Line)
    return and_(
        lines.c.area_code == area_code,
        lines.c.network_code == network_code,
        lines.c.status.in_(LIVE_STATUSES),
    )


def free_to_go(day: date) -> ColumnElement[bool]:
    """Lines nothing of their own holds back from a switch-off on ``day``: not a vulnerable or
    critical line without a confirmed replacement, not under an exemption running to ``day`` or
    later. (Whether they were told in time is the notices' to say.)"""
    lines, exempt = table_of(Line), table_of(Exemption)
    return and_(
        or_(
            lines.c.vulnerable == Vulnerability.NONE.value,
            lines.c.replacement_confirmed_on <= day,
        ),
        ~exists().where(
            exempt.c.area_code == lines.c.area_code,
            exempt.c.line_id == lines.c.id,
            exempt.c.until >= day,
        ),
    )


def next_release_from_hold(
    session: Session, *, area_code: str, network_code: str, after: date
) -> date | None:
    """Return the next day after ``after`` on which a live line held back by something of its own
    becomes free to go: the day after its exemption ends, or the day its replacement is
    confirmed."""
    lines, exempt = table_of(Line), table_of(Exemption)
    live = live_in(area_code, network_code)
    exemption_ends = session.scalar(
        select(func.min(exempt.c.until))
        .join(lines, and_(lines.c.area_code == exempt.c.area_code, lines.c.id == exempt.c.line_id))
        .where(live, exempt.c.until >= after)
    )
    confirmed = session.scalar(
        select(func.min(lines.c.replacement_confirmed_on)).where(
            live, lines.c.replacement_confirmed_on > after
        )
    )
    candidates = [exemption_ends + timedelta(days=1) if exemption_ends else None, confirmed]
    return min((d for d in candidates if d is not None), default=None)


def quarantine_numbers(
    session: Session, *, which: ColumnElement[bool], day: date, until: date
) -> int:
    """Put the numbers of the chosen lines into quarantine until ``until``."""
    lines = table_of(Line)
    chosen = select(
        lines.c.area_code,
        lines.c.number,
        literal(NumberState.QUARANTINE.value),
        literal(day),
        literal(until),
        lines.c.id,
    ).where(which)
    columns = ["area_code", "number", "state", "since", "until", "from_line_id"]
    return execute_counted(session, insert(table_of(NumberHold)).from_select(columns, chosen))


def terminate(session: Session, *, which: ColumnElement[bool], day: date) -> int:
    """Mark the chosen lines terminated on ``day``."""
    lines = table_of(Line)
    return execute_counted(
        session,
        (
            update(lines)
            .where(which)
            .values(status=LineStatus.TERMINATED.value, terminated_on=day, suspension_reason=None)
        ),
    )


def suspend_uncovered(session: Session, *, area_code: str, network_code: str, day: date) -> int:
    """Suspend (for the sunset, from ``day``) active prepaid lines whose balance is below a
    month's fee: top-ups are refused, so they could not pay for the coming month."""
    lines = table_of(Line)
    return execute_counted(
        session,
        (
            update(lines)
            .where(
                lines.c.area_code == area_code,
                lines.c.network_code == network_code,
                lines.c.status == LineStatus.ACTIVE.value,
                lines.c.prepaid,
                lines.c.balance_fen < lines.c.monthly_fee_fen,
            )
            .values(
                status=LineStatus.SUSPENDED.value,
                suspension_reason=SuspensionReason.SUNSET.value,
                suspended_on=day,
            )
        ),
    )


def bar_outgoing(session: Session, *, area_code: str, network_code: str) -> int:
    """Bar outgoing calls (emergency numbers excepted) on every live line: step degradation."""
    lines = table_of(Line)
    return execute_counted(
        session,
        (
            update(lines)
            .where(live_in(area_code, network_code), ~lines.c.barred_outgoing)
            .values(barred_outgoing=True)
        ),
    )


def release_quarantine(session: Session, *, area_code: str, day: date) -> int:
    """Return numbers whose quarantine has ended to the free pool."""
    holds = table_of(NumberHold)
    return execute_counted(
        session,
        (
            update(holds)
            .where(
                holds.c.area_code == area_code,
                holds.c.state == NumberState.QUARANTINE.value,
                holds.c.until <= day,
            )
            .values(state=NumberState.FREE.value, until=None)
        ),
    )


def live_in_area(area_code: str, *, before: date) -> ColumnElement[bool]:
    """Live lines of a local network (any network) activated before ``before``."""
    lines = table_of(Line)
    return and_(
        lines.c.area_code == area_code,
        lines.c.status.in_(LIVE_STATUSES),
        lines.c.activated_on < before,
    )


def add_exemption(session: Session, exemption: Exemption) -> None:
    """Store an exemption from the switch-off."""
    session.add(exemption)
    session.flush()


def lock(session: Session, which: ColumnElement[bool]) -> None:
    """Lock the chosen lines against concurrent changes until commit (PostgreSQL; SQLite holds
    the whole database's write lock already)."""
    session.execute(select(table_of(Line).c.id).where(which).with_for_update())


@lru_cache(maxsize=1)
def fact_columns() -> dict[str, ColumnElement[Any]]:
    """Return the SQL column behind each field of ``LineFacts``."""
    columns: dict[str, ColumnElement[Any]] = {
        name: Line.__table__.c[name] for name in FACT_FIELDS if name != "line_id"
    }
    columns["line_id"] = Line.__table__.c.id
    return columns


@lru_cache(maxsize=1)
def facts_query() -> Select[Any]:
    """Select ``LineFacts`` fields of lines."""
    columns = fact_columns()
    return select(*(columns[name].label(name) for name in FACT_FIELDS))


def facts_of(session: Session, line_id: int) -> LineFacts:
    """Return the facts of one line."""
    row = session.execute(facts_query().where(Line.id == line_id)).mappings().one()
    return LineFacts(**row)


def live_facts(session: Session, e164: str) -> LineFacts | None:
    """Return the facts of the live line holding a number, in one query (the partial index of
    live numbers, its WHERE stated literally as in ``get_live``)."""
    row = (
        session.execute(facts_query().where(Line.number == e164, text(LIVE_WHERE)))
        .mappings()
        .first()
    )
    return None if row is None else LineFacts(**row)


def search_live(
    session: Session,
    *,
    prefix: str | None,
    area_code: str | None,
    operator_code: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[LineFacts]:
    """Return live lines by number order, filtered; a number prefix walks the live-number index."""
    query = facts_query().where(text(LIVE_WHERE)).order_by(Line.number).limit(limit).offset(offset)
    if prefix:
        query = query.where(Line.number >= prefix, Line.number < prefix + "~")
    if area_code:
        query = query.where(Line.area_code == area_code)
    if operator_code:
        query = query.where(Line.operator_code == operator_code)
    if status:
        query = query.where(Line.status == status)
    return [LineFacts(**row) for row in session.execute(query).mappings()]
