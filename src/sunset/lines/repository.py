"""Every select, insert and update of customers and lines."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Index,
    MetaData,
    Select,
    String,
    Table,
    and_,
    delete,
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
from sqlalchemy.schema import CreateTable

from sunset.db import execute_counted, table_of
from sunset.kit.bulk import insert_frame
from sunset.ledger.models import LedgerEntry
from sunset.lines.facts import FACT_FIELDS, LineFacts
from sunset.lines.models import LIVE_WHERE, Customer, Exemption, Line, NumberHold
from sunset.lines.rules import CUSTOMER_COLUMNS, LINE_COLUMNS
from sunset.lines.vocabulary import (
    LIVE_STATUSES,
    LineStatus,
    NumberState,
    SuspensionReason,
    Vulnerability,
)
from sunset.notices.models import NoticeSent


def live_numbers(session: Session) -> np.ndarray:
    """Return every number on a live line as int64 national significant numbers."""
    numbers = session.scalars(select(Line.number).where(Line.status.in_(LIVE_STATUSES)))
    return np.fromiter((int(n[3:]) for n in numbers), dtype=np.int64)


def max_line_id(session: Session) -> int:
    """Return the highest line id so far (0 for none)."""
    return session.scalar(select(func.coalesce(func.max(Line.id), 0))) or 0


CUSTOMER_KEY = ("area_code", "operator_code", "customer_ref")

# An import's customers wait here (append-only, unindexed) and reach the customers table in one
# sorted pass at the end: millions of inserts at random places in its primary key cost far more.
_CUSTOMERS_STAGED = Table(
    "customers_staged",
    MetaData(),
    Column("area_code", String(5)),
    Column("operator_code", String(32)),
    Column("customer_ref", String(64)),
    Column("name", String(200)),
    Column("real_name", Boolean),
    Column("id_hash", String(64)),
    Column("id_masked", String(32)),
    prefixes=["TEMPORARY"],
)


def start_staging_customers(session: Session) -> None:
    """Prepare an empty staging table for an import's customers."""
    session.execute(CreateTable(_CUSTOMERS_STAGED, if_not_exists=True))
    session.execute(delete(_CUSTOMERS_STAGED))


def store_staged_customers(session: Session) -> int:
    """Move the staged customers into the customers table in key order, keeping known ones."""
    columns = ", ".join(CUSTOMER_COLUMNS)
    key = ", ".join(CUSTOMER_KEY)
    stored = execute_counted(
        session,
        text(
            f"INSERT INTO customers ({columns}) SELECT {columns} FROM customers_staged"
            f" WHERE 1 = 1 ORDER BY {key} ON CONFLICT DO NOTHING"
        ),
    )
    session.execute(delete(_CUSTOMERS_STAGED))
    return stored


def insert_lines(session: Session, records: pl.DataFrame, *, batch_id: int) -> None:
    """Stage the customers and insert the lines of validated records."""
    customers = records.select(CUSTOMER_COLUMNS).unique(CUSTOMER_KEY, keep="first")
    insert_frame(session, "customers_staged", customers)
    # Sorted by number, the rows reach the number index in one sweep instead of at random.
    lines = records.select(LINE_COLUMNS).with_columns(import_batch_id=pl.lit(batch_id))
    lines = lines.sort("number")
    insert_frame(session, "lines", lines)


def get_live(session: Session, e164: str, *, lock: bool = False) -> Line | None:
    """Return the live line holding a number, if any (locked for update when asked)."""
    # The status test is the partial index's own WHERE as literal SQL: with bound parameters
    # SQLite cannot prove the index applies and scans the whole table (45 ms per 1M lines).
    query = select(Line).where(Line.number == e164, text(LIVE_WHERE))
    return session.scalar(query.with_for_update() if lock else query)


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


def _secondary_indexes() -> list[Index]:
    return [*Line.__table__.indexes, *LedgerEntry.__table__.indexes]  # type: ignore[attr-defined]


def drop_secondary_indexes(session: Session) -> None:
    """Drop the secondary indexes of lines and ledger entries, inside the transaction.

    For a load that at least doubles the tables: rebuilding an index by sorting once is far
    cheaper than millions of random inserts into it. Uniqueness is checked before any row is
    written (`SeenNumbers`), and recreating the unique index checks it again.
    """
    for index in _secondary_indexes():
        index.drop(bind=session.connection())


def create_secondary_indexes(session: Session) -> None:
    """Recreate the indexes `drop_secondary_indexes` dropped."""
    for index in _secondary_indexes():
        index.create(bind=session.connection())


# --- the cycle: set-based statements over one local network --------------------------------


def live_in(area_code: str, network_code: str) -> ColumnElement[bool]:
    """Lines of a network in a local network that still hold their number."""
    lines = table_of(Line)
    return and_(
        lines.c.area_code == area_code,
        lines.c.network_code == network_code,
        lines.c.status.in_(LIVE_STATUSES),
    )


def switch_off_candidates(
    area_code: str, network_code: str, *, day: date, noticed_by: date
) -> ColumnElement[bool]:
    """Live lines that may be switched off on ``day``.

    Not a vulnerable or critical line without a confirmed replacement; not under an exemption
    that runs to ``day`` or later; and told of the retirement on or before ``noticed_by`` (the
    day minus the minimum notice period): a line told late waits out its own notice period.
    """
    lines, exempt, notices = table_of(Line), table_of(Exemption), table_of(NoticeSent)
    return and_(
        live_in(area_code, network_code),
        or_(
            lines.c.vulnerable == Vulnerability.NONE.value,
            lines.c.replacement_confirmed_on <= day,
        ),
        ~exists().where(
            exempt.c.area_code == lines.c.area_code,
            exempt.c.line_id == lines.c.id,
            exempt.c.until >= day,
        ),
        exists().where(
            notices.c.area_code == lines.c.area_code,
            notices.c.line_id == lines.c.id,
            notices.c.sent_on <= noticed_by,
        ),
    )


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


def count_live(session: Session, *, area_code: str) -> int:
    """Return how many lines of a local network are live."""
    lines = table_of(Line)
    query = select(func.count()).where(
        lines.c.area_code == area_code, lines.c.status.in_(LIVE_STATUSES)
    )
    return session.scalar(query) or 0


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


def next_switch_off_day(
    session: Session, *, area_code: str, network_code: str, after: date, notice_days: int
) -> date | None:
    """Return the next day after ``after`` on which a held-back live line becomes free to go.

    Lines are held back by an exemption (free the day after it ends), a late notice (free
    ``notice_days`` after their first notice) or a vulnerable flag (free from the day its
    replacement is confirmed).
    """
    lines, exempt, notices = table_of(Line), table_of(Exemption), table_of(NoticeSent)
    live = live_in(area_code, network_code)
    exemption_ends = session.scalar(
        select(func.min(exempt.c.until))
        .join(lines, and_(lines.c.area_code == exempt.c.area_code, lines.c.id == exempt.c.line_id))
        .where(live, exempt.c.until >= after)
    )
    first_notice = (
        select(func.min(notices.c.sent_on))
        .where(notices.c.area_code == lines.c.area_code, notices.c.line_id == lines.c.id)
        .scalar_subquery()
    )
    notice_from = session.scalar(
        select(func.min(first_notice)).where(live, first_notice > after - timedelta(notice_days))
    )
    confirmed = session.scalar(
        select(func.min(lines.c.replacement_confirmed_on)).where(
            live, lines.c.replacement_confirmed_on > after
        )
    )
    candidates = [
        exemption_ends + timedelta(days=1) if exemption_ends else None,
        notice_from + timedelta(days=notice_days) if notice_from else None,
        confirmed,
    ]
    return min((d for d in candidates if d is not None), default=None)


def quarantined_numbers(session: Session, *, on: date) -> tuple[np.ndarray, np.ndarray]:
    """Return numbers still in quarantine on a day (int64 national numbers, sorted) and the
    days their quarantine ends."""
    rows = session.execute(
        select(NumberHold.number, NumberHold.until).where(
            NumberHold.state == NumberState.QUARANTINE.value, NumberHold.until > on
        )
    ).all()
    numbers = np.fromiter((int(n[3:]) for n, _ in rows), dtype=np.int64, count=len(rows))
    until = np.array([str(u) for _, u in rows], dtype=object)
    order = np.argsort(numbers)
    return numbers[order], until[order]


def claim_free_numbers(session: Session, *, batch_id: int) -> int:
    """Take the numbers an import gave to new lines out of the pool (quarantined numbers were
    refused before, unless their quarantine had ended)."""
    holds, lines = table_of(NumberHold), table_of(Line)
    taken = exists().where(
        lines.c.area_code == holds.c.area_code,
        lines.c.number == holds.c.number,
        lines.c.import_batch_id == batch_id,
    )
    # Free numbers, and quarantined ones whose quarantine is over (the cycle may not have run).
    return execute_counted(session, delete(holds).where(taken))


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
