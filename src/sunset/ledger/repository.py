"""Every select and insert of ledger entries (there are no updates: entries are immutable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Index,
    Select,
    and_,
    case,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from sunset.db import execute_counted, table_of
from sunset.kit.sqlfunc import days_between, not_indexed, padded_id, through_index
from sunset.ledger.models import CycleProgress, LedgerEntry, LedgerTotal, Refund
from sunset.ledger.rules import EntryKind
from sunset.lines.models import LINES_BY_AREA, Line


@dataclass(frozen=True)
class Written:
    """What one set-based posting wrote: how many entries, and their sum in fen as stored
    (charges and refunds negative, credits positive)."""

    entries: int = 0
    fen: int = 0

    def __add__(self, other: Written) -> Written:
        return Written(self.entries + other.entries, self.fen + other.fen)


def add_opening_balances(
    session: Session, *, batch_id: int, after_line_id: int, entry_date: date
) -> int:
    """Write one opening-balance entry per line of an import batch with a positive balance.

    Set-based: one INSERT ... SELECT over the batch's lines. The key ``opening:<line id>`` (12
    digits) makes it idempotent per line. Return the number of entries written.
    """
    lines = table_of(Line)
    chosen = select(
        lines.c.area_code,
        lines.c.id,
        literal(EntryKind.OPENING_BALANCE.value),
        lines.c.balance_fen,
        literal(entry_date),
        # Zero-padded ids keep the keys in insertion order: the unique index grows at its end.
        literal("opening:") + padded_id(lines.c.id),
        literal(f"import batch {batch_id}"),
        func.current_timestamp(),
    ).where(
        lines.c.id > after_line_id,
        lines.c.import_batch_id == batch_id,
        lines.c.balance_fen > 0,
    )
    before = max_entry_id(session)
    written = execute_counted(
        session,
        insert(table_of(LedgerEntry)).from_select(ENTRY_COLUMNS, chosen.order_by(lines.c.id)),
    )
    add_to_totals(session, written_since(before, kind=EntryKind.OPENING_BALANCE, prefix="opening:"))
    return written


def secondary_indexes() -> list[Index]:
    """The ledger entries' indexes a bulk load drops and rebuilds (an import's opening balances)."""
    return list(table_of(LedgerEntry).indexes)


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


def paid_in_and_credited(session: Session, *, area_code: str, line_id: int) -> tuple[int, int]:
    """Return what a line ever paid in (opening balance, top-ups, transfers in) and what it was
    ever credited, in fen."""
    entries = table_of(LedgerEntry)
    paid = (EntryKind.OPENING_BALANCE.value, EntryKind.TOP_UP.value, EntryKind.TRANSFER_IN.value)
    row = session.execute(
        select(
            func.coalesce(func.sum(case((entries.c.kind.in_(paid), entries.c.amount_fen))), 0),
            func.coalesce(
                func.sum(case((entries.c.kind == EntryKind.CREDIT.value, entries.c.amount_fen))),
                0,
            ),
        ).where(entries.c.area_code == area_code, entries.c.line_id == line_id)
    ).one()
    return int(row[0]), int(row[1])


def refund_of_line(session: Session, *, area_code: str, line_id: int) -> Refund | None:
    """Return the latest refund owed to a line, if any."""
    return session.scalar(
        select(Refund)
        .where(Refund.area_code == area_code, Refund.line_id == line_id)
        .order_by(Refund.id.desc())
        .limit(1)
    )


def add_refund(session: Session, refund: Refund) -> None:
    """Store a refund to pay out."""
    session.add(refund)
    session.flush()


def max_entry_id(session: Session) -> int:
    """Return the highest ledger entry id so far (0 for none)."""
    return int(
        session.execute(text("SELECT COALESCE(MAX(id), 0) FROM ledger_entries")).scalar_one()
    )


ENTRY_COLUMNS = [
    "area_code",
    "line_id",
    "kind",
    "amount_fen",
    "entry_date",
    "idempotency_key",
    "reference",
    "created_at",
]


def charge_lines(
    session: Session,
    *,
    area_code: str,
    which: ColumnElement[bool],
    month_start: date,
    stop: date,
    days_in_month: int,
    entry_date: date,
    whole_area: bool = False,
) -> Written:
    """Charge each chosen line its monthly fee for its days of service in [month_start, stop).

    A day of service is a day on or after activation, before termination, and before a sunset
    suspension began. The charge is fee x days / days in the month, rounded down (never in the
    customer's disfavour); a prepaid line is never charged more than its balance. Keyed
    ``charge:<YYYY-MM>:<line id>``: the unique key makes a second charge of a line in a month
    fail loudly instead of taking the money twice.

    Worked example: a 70-yuan plan, switched off on 10 January: 9 days of 31, 7000 x 9 // 31 =
    2032 fen (20.32 yuan).

    ``whole_area``: the chosen lines are a local network's (a month-end), read through the
    index by local network (``through_index``).
    """
    lines, entries = table_of(Line), table_of(LedgerEntry)
    amount = charge_expression(month_start=month_start, stop=stop, days_in_month=days_in_month)
    rows = select(
        lines.c.area_code,
        lines.c.id,
        literal(EntryKind.CHARGE.value),
        -amount,
        literal(entry_date),
        literal(f"charge:{month_start:%Y-%m}:") + padded_id(lines.c.id),  # see RESERVED_KEYS
        # No reference text: the kind and the key say it all, and at one entry per line per
        # month the 22 bytes were a sixth of the month-end's insert time.
        null(),
        func.current_timestamp(),
    ).where(which, amount > 0)
    if whole_area:
        rows = through_index(rows, lines, LINES_BY_AREA)
    before = max_entry_id(session)
    charged = execute_counted(
        session, insert(entries).from_select(ENTRY_COLUMNS, rows.order_by(lines.c.id))
    )
    if not charged:
        return Written()
    prefix = f"charge:{month_start:%Y-%m}:"
    written = written_since(before, kind=EntryKind.CHARGE, prefix=prefix, area_code=area_code)
    return Written(
        charged, apply_entries(session, written, area_code=area_code, kind=EntryKind.CHARGE)
    )


RESERVED_KEYS = (
    "opening:",
    "charge:",
    "refund:",
    "port:",
    "outage:",
    "complaint:",
)  # keys sunset writes itself


def written_since(
    entry_id: int, *, kind: EntryKind, prefix: str, area_code: str | None = None
) -> ColumnElement[bool]:
    """The entries one set-based posting just wrote: after ``entry_id``, of its kind, under its
    key prefix (and local network). On PostgreSQL other transactions may commit entries with
    higher ids meanwhile (a top-up, a termination): these conditions leave them out.

    SQLite reads them as the range of ids after ``entry_id``, the end of the table, not through
    the index by local network: that would read every entry of the network (a 20M-line
    month-end's balances and totals read 40M entries in January and 260M in December)."""
    entries = table_of(LedgerEntry)
    written = and_(
        entries.c.id > entry_id,
        entries.c.kind == kind.value,
        entries.c.idempotency_key.startswith(prefix, autoescape=True),
    )
    return and_(written, not_indexed(entries.c.area_code) == area_code) if area_code else written


def apply_entries(
    session: Session,
    written: ColumnElement[bool],
    *,
    area_code: str,
    kind: EntryKind,
    several_per_line: bool = False,
) -> int:
    """Move each line's balance by the entries of one kind just written in one local network,
    add them to the running totals, and return their sum.

    ``several_per_line``: a line may have more than one of them (months of credits posted
    together); their sum per line moves its balance. Otherwise there is one per line, and the
    balances are moved without grouping them first (a sort of every entry, 20M in a month-end).
    """
    lines, entries = table_of(Line), table_of(LedgerEntry)
    # One sum, not a sum by (area, kind): SQLite would sort every entry into its group first
    # (12 s of a 20M-line month-end) or read the whole index by local network for their order.
    total = int(session.scalar(select(func.sum(entries.c.amount_fen)).where(written)) or 0)
    if total:
        add_one_to_totals(session, area_code=area_code, kind=kind.value, amount_fen=total)
    if several_per_line:
        moved = (
            select(entries.c.line_id, func.sum(entries.c.amount_fen).label("fen"))
            .where(written)
            .group_by(entries.c.line_id)
            .subquery("moved")
        )
        change = moved.c.fen
        # Not by the area's index of lines: by each line's id, from the few lines moved.
        matches = [not_indexed(lines.c.area_code) == area_code, lines.c.id == moved.c.line_id]
    else:
        change = entries.c.amount_fen
        matches = [
            written,
            entries.c.area_code == lines.c.area_code,
            entries.c.line_id == lines.c.id,
        ]
    session.execute(update(lines).where(*matches).values(balance_fen=lines.c.balance_fen + change))
    return total


def service_window(
    *, month_start: date, stop: date
) -> tuple[ColumnElement[date], ColumnElement[date]]:
    """A line's days of service in [month_start, stop) as SQL: from activation, until its
    termination or the start of a sunset suspension (the days a month-end charges)."""
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
    return start, end


def fee_for_days(fee: Any, days: Any, days_in_month: int) -> ColumnElement[int]:
    """The pro-rata fee of ``days`` days of a month, as SQL: fee x days / days in the month,
    rounded down (never in the customer's disfavour); no day, nothing. The one expression of a
    partial month: the charges and the outage credits both use it.

    Worked example: a 70-yuan plan, 9 days of a 31-day January: 7000 x 9 // 31 = 2032 fen.
    """
    served = case((days > 0, days), else_=0)
    owed: ColumnElement[int] = (fee * served).op("/")(days_in_month)
    return owed


def charge_expression(*, month_start: date, stop: date, days_in_month: int) -> ColumnElement[int]:
    """The fen a line owes for its days of service in [month_start, stop), as SQL."""
    lines = table_of(Line)
    start, end = service_window(month_start=month_start, stop=stop)
    owed = fee_for_days(lines.c.monthly_fee_fen, days_between(start, end), days_in_month)
    if (stop - month_start).days == days_in_month:
        # A line served the whole month (most of them) owes fee x days / days = the fee: said
        # without the date arithmetic, which was half the cost of a month-end's charge insert.
        owed = case((_served_whole_window(month_start, stop), lines.c.monthly_fee_fen), else_=owed)
    balance = case((lines.c.balance_fen > 0, lines.c.balance_fen), else_=0)
    return case((and_(lines.c.prepaid, owed > balance), balance), else_=owed)


def _served_whole_window(month_start: date, stop: date) -> ColumnElement[bool]:
    """True for a line whose service window (``service_window``) is all of [month_start, stop):
    active since before it, not terminated and not sunset-suspended before its end."""
    lines = table_of(Line)
    return and_(
        lines.c.activated_on <= month_start,
        or_(lines.c.terminated_on.is_(None), lines.c.terminated_on >= stop),
        or_(
            lines.c.suspension_reason.is_(None),
            lines.c.suspension_reason != "sunset",
            lines.c.suspended_on.is_(None),
            lines.c.suspended_on >= stop,
        ),
    )


def post_credits(
    session: Session,
    *,
    area_code: str,
    rows: Select[Any] | CompoundSelect,
    prefix: str,
    several_per_line: bool = False,
) -> Written:
    """Write the credit entries ``rows`` selects (ENTRY_COLUMNS, keys under ``prefix``, a
    reserved one; at most one per line unless ``several_per_line``) and move balances and
    totals by them."""
    before = max_entry_id(session)
    written = execute_counted(
        session, insert(table_of(LedgerEntry)).from_select(ENTRY_COLUMNS, rows)
    )
    if not written:
        return Written()
    just_written = written_since(before, kind=EntryKind.CREDIT, prefix=prefix, area_code=area_code)
    fen = apply_entries(
        session,
        just_written,
        area_code=area_code,
        kind=EntryKind.CREDIT,
        several_per_line=several_per_line,
    )
    return Written(written, fen)


def refund_lines(
    session: Session, *, area_code: str, which: ColumnElement[bool], day: date, reason: str
) -> Written:
    """Refund the whole positive balance of each chosen line: an entry and a refund to pay out."""
    lines, entries = table_of(Line), table_of(LedgerEntry)
    rows = select(
        lines.c.area_code,
        lines.c.id,
        literal(EntryKind.REFUND.value),
        -lines.c.balance_fen,
        literal(day),
        literal("refund:") + padded_id(lines.c.id),
        literal(reason),
        func.current_timestamp(),
    ).where(which, lines.c.balance_fen > 0)
    before = max_entry_id(session)
    refunded = execute_counted(
        session, insert(entries).from_select(ENTRY_COLUMNS, rows.order_by(lines.c.id))
    )
    if not refunded:
        return Written()
    written = written_since(before, kind=EntryKind.REFUND, prefix="refund:", area_code=area_code)
    new = select(
        entries.c.area_code,
        entries.c.line_id,
        -entries.c.amount_fen,
        entries.c.entry_date,
        entries.c.id,
    ).where(written)
    session.execute(
        insert(table_of(Refund)).from_select(
            ["area_code", "line_id", "amount_fen", "created_on", "entry_id"], new
        )
    )
    return Written(
        refunded, apply_entries(session, written, area_code=area_code, kind=EntryKind.REFUND)
    )


def add_to_totals(session: Session, written: ColumnElement[bool]) -> None:
    """Add the chosen entries to the running totals (set-based)."""
    entries = table_of(LedgerEntry)
    sums = (
        select(entries.c.area_code, entries.c.kind, func.sum(entries.c.amount_fen))
        .where(written)
        .group_by(entries.c.area_code, entries.c.kind)
    )
    compiled = sums.compile(bind=session.get_bind(), compile_kwargs={"literal_binds": True})
    _upsert_totals(session, str(compiled), {})


def add_one_to_totals(session: Session, *, area_code: str, kind: str, amount_fen: int) -> None:
    """Add one entry's amount to the running totals."""
    _upsert_totals(
        session,
        "SELECT :area, :kind, :amount WHERE 1 = 1",
        {"area": area_code, "kind": kind, "amount": amount_fen},
    )


def _upsert_totals(session: Session, select_sql: str, params: dict[str, object]) -> None:
    # ON CONFLICT ... DO UPDATE reads the same on SQLite (3.24+) and PostgreSQL.
    session.execute(
        text(
            f"INSERT INTO ledger_totals (area_code, kind, amount_fen) {select_sql}"
            " ON CONFLICT (area_code, kind)"
            " DO UPDATE SET amount_fen = ledger_totals.amount_fen + excluded.amount_fen"
        ),
        params,
    )


def totals(session: Session) -> dict[tuple[str, str], int]:
    """Return the running totals by (area code, kind)."""
    rows = session.execute(select(LedgerTotal.area_code, LedgerTotal.kind, LedgerTotal.amount_fen))
    return {(a, k): int(v) for a, k, v in rows}


def totals_from_entries(session: Session) -> dict[tuple[str, str], int]:
    """Return the sums of the entries by (area code, kind): what the totals must equal."""
    entries = table_of(LedgerEntry)
    rows = session.execute(
        select(entries.c.area_code, entries.c.kind, func.sum(entries.c.amount_fen)).group_by(
            entries.c.area_code, entries.c.kind
        )
    )
    return {(a, k): int(v) for a, k, v in rows}


def total_of(session: Session, *, area_code: str, kind: EntryKind, lock: bool = False) -> int:
    """Return a local network's running total of one kind of entry. ``lock``: on PostgreSQL,
    hold it (once it exists) until the transaction ends, so that what it moves by meanwhile
    is this transaction's."""
    query = select(LedgerTotal.amount_fen).where(
        LedgerTotal.area_code == area_code, LedgerTotal.kind == kind.value
    )
    return int(session.scalar(query.with_for_update() if lock else query) or 0)


def entries_of_line(
    session: Session, *, area_code: str, line_id: int, limit: int
) -> list[LedgerEntry]:
    """Return a line's latest ledger entries, newest first."""
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.area_code == area_code, LedgerEntry.line_id == line_id)
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def checkpoint(session: Session, area_code: str, *, lock: bool = False) -> date | None:
    """Return the last day the cycle completed in a local network (locked for the rest of the
    transaction when asked: two runs of the cycle then take a local network's days in turn)."""
    query = select(CycleProgress.done_through).where(CycleProgress.area_code == area_code)
    return session.scalar(query.with_for_update() if lock else query)


def save_checkpoint(session: Session, area_code: str, day: date) -> None:
    """Record that the cycle has completed ``day`` in a local network."""
    progress = session.get(CycleProgress, area_code)
    if progress is None:
        session.add(CycleProgress(area_code=area_code, done_through=day))
    else:
        progress.done_through = day
    session.flush()
