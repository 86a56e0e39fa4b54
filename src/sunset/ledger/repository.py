"""Every select and insert of ledger entries (there are no updates: entries are immutable)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from sunset.db import is_sqlite, rowcount, table_of
from sunset.kit.sqlfunc import days_between
from sunset.ledger.models import LedgerEntry, Refund
from sunset.ledger.rules import EntryKind
from sunset.lines.models import Line


def add_opening_balances(
    session: Session, *, batch_id: int, after_line_id: int, entry_date: date
) -> int:
    """Write one opening-balance entry per line of an import batch with a positive balance.

    Set-based: one INSERT ... SELECT over the batch's lines. The key ``opening:<line id>`` (12
    digits) makes it idempotent per line. Return the number of entries written.
    """
    # Zero-padded ids keep the keys in insertion order: the unique index grows at its end.
    padded = (
        "printf('%012d', id)" if is_sqlite(session) else "lpad(CAST(id AS VARCHAR(20)), 12, '0')"
    )
    result = session.execute(
        text(
            "INSERT INTO ledger_entries"
            " (area_code, line_id, kind, amount_fen, entry_date, idempotency_key, reference,"
            " created_at)"
            f" SELECT area_code, id, :kind, balance_fen, :entry_date, 'opening:' || {padded},"
            " :reference, CURRENT_TIMESTAMP"
            " FROM lines WHERE id > :after AND import_batch_id = :batch AND balance_fen > 0"
            " ORDER BY area_code, id"
        ),
        {
            "kind": EntryKind.OPENING_BALANCE.value,
            "entry_date": entry_date,
            "reference": f"import batch {batch_id}",
            "after": after_line_id,
            "batch": batch_id,
        },
    )
    return rowcount(result)


def get_by_key(session: Session, *, area_code: str, key: str) -> LedgerEntry | None:
    """Return the entry written under an idempotency key, if any."""
    return session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.area_code == area_code, LedgerEntry.idempotency_key == key
        )
    )


def add_entry(session: Session, entry: LedgerEntry) -> None:
    """Store a new entry."""
    session.add(entry)
    session.flush()


def add_refund(session: Session, refund: Refund) -> None:
    """Store a refund to pay out."""
    session.add(refund)
    session.flush()


def max_entry_id(session: Session) -> int:
    """Return the highest ledger entry id so far (0 for none)."""
    return int(
        session.execute(text("SELECT COALESCE(MAX(id), 0) FROM ledger_entries")).scalar_one()
    )


def charge_lines(
    session: Session,
    *,
    which: ColumnElement[bool],
    month_start: date,
    stop: date,
    days_in_month: int,
    entry_date: date,
) -> int:
    """Charge each chosen line its monthly fee for its days of service in [month_start, stop).

    A day of service is a day on or after activation, before termination, and before a sunset
    suspension began. The charge is fee x days / days in the month, rounded down (never in the
    customer's disfavour); a prepaid line is never charged more than its balance. Keyed
    ``charge:<YYYY-MM>:<line id>``: a line is charged once per month, whatever reruns.

    Worked example: a 70-yuan plan, switched off on 10 January: 9 days of 31, 7000 x 9 // 31 =
    2032 fen (20.32 yuan).
    """
    lines, entries = table_of(Line), table_of(LedgerEntry)
    key = literal(f"charge:{month_start:%Y-%m}:") + cast(lines.c.id, String(20))
    amount = charge_expression(month_start=month_start, stop=stop, days_in_month=days_in_month)
    already = exists().where(
        entries.c.area_code == lines.c.area_code, entries.c.idempotency_key == key
    )
    chosen = select(
        lines.c.area_code,
        lines.c.id,
        literal(EntryKind.CHARGE.value),
        -amount,
        literal(entry_date),
        key,
        literal(f"monthly charge {month_start:%Y-%m}"),
        func.current_timestamp(),
    ).where(which, amount > 0, ~already)
    before = max_entry_id(session)
    columns = [
        "area_code",
        "line_id",
        "kind",
        "amount_fen",
        "entry_date",
        "idempotency_key",
        "reference",
        "created_at",
    ]
    inserted = rowcount(session.execute(insert(entries).from_select(columns, chosen)))
    if inserted:
        _apply_new_entries(session, key=key, after_id=before, which=which)
    return inserted


def charge_expression(*, month_start: date, stop: date, days_in_month: int) -> ColumnElement[int]:
    """The fen a line owes for its days of service in [month_start, stop), as SQL."""
    lines = table_of(Line)
    start = case(
        (lines.c.activated_on > month_start, lines.c.activated_on), else_=literal(month_start)
    )
    end = case(
        (
            and_(lines.c.terminated_on.is_not(None), lines.c.terminated_on < stop),
            lines.c.terminated_on,
        ),
        (
            and_(
                lines.c.suspension_reason == "sunset",
                lines.c.suspended_on.is_not(None),
                lines.c.suspended_on < stop,
            ),
            lines.c.suspended_on,
        ),
        else_=literal(stop),
    )
    days = days_between(start, end)
    owed = (lines.c.monthly_fee_fen * case((days > 0, days), else_=0)).op("/")(days_in_month)
    balance = case((lines.c.balance_fen > 0, lines.c.balance_fen), else_=0)
    return case((and_(lines.c.prepaid, owed > balance), balance), else_=owed)


def refund_lines(session: Session, *, which: ColumnElement[bool], day: date, reason: str) -> int:
    """Refund the whole positive balance of each chosen line: an entry and a refund to pay out."""
    lines, entries = table_of(Line), table_of(LedgerEntry)
    key = literal("refund:") + cast(lines.c.id, String(20))
    chosen = select(
        lines.c.area_code,
        lines.c.id,
        literal(EntryKind.REFUND.value),
        -lines.c.balance_fen,
        literal(day),
        key,
        literal(reason),
        func.current_timestamp(),
    ).where(which, lines.c.balance_fen > 0)
    before = max_entry_id(session)
    columns = [
        "area_code",
        "line_id",
        "kind",
        "amount_fen",
        "entry_date",
        "idempotency_key",
        "reference",
        "created_at",
    ]
    inserted = rowcount(session.execute(insert(entries).from_select(columns, chosen)))
    if inserted:
        new = select(
            entries.c.area_code,
            entries.c.line_id,
            -entries.c.amount_fen,
            entries.c.entry_date,
            entries.c.id,
        ).where(entries.c.id > before, entries.c.kind == EntryKind.REFUND.value)
        session.execute(
            insert(table_of(Refund)).from_select(
                ["area_code", "line_id", "amount_fen", "created_on", "entry_id"], new
            )
        )
        _apply_new_entries(session, key=key, after_id=before, which=which)
    return inserted


def _apply_new_entries(
    session: Session, *, key: ColumnElement[str], after_id: int, which: ColumnElement[bool]
) -> None:
    """Move each chosen line's balance by the entry just written under its key."""
    lines, entries = table_of(Line), table_of(LedgerEntry)
    match = and_(
        entries.c.area_code == lines.c.area_code,
        entries.c.idempotency_key == key,
        entries.c.id > after_id,
    )
    amount = select(entries.c.amount_fen).where(match).scalar_subquery()
    session.execute(
        update(lines)
        .where(which, exists().where(match))
        .values(balance_fen=lines.c.balance_fen + amount)
    )


def refunded_since(session: Session, *, area_code: str, after_id: int) -> int:
    """Return the fen refunded in a local network by entries after ``after_id``."""
    entries = table_of(LedgerEntry)
    total = session.scalar(
        select(func.coalesce(func.sum(-entries.c.amount_fen), 0)).where(
            entries.c.area_code == area_code,
            entries.c.id > after_id,
            entries.c.kind == EntryKind.REFUND.value,
        )
    )
    return int(total or 0)
