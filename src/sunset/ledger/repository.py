"""Every select and insert of ledger entries (there are no updates: entries are immutable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Index,
    MetaData,
    Select,
    Table,
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

from sunset.db import execute_counted, is_sqlite, table_of
from sunset.errors import OperationRefusedError
from sunset.kit.sqlfunc import days_between, not_indexed, through_index
from sunset.ledger.models import (
    BroughtForward,
    CycleProgress,
    LedgerEntry,
    LedgerKey,
    LedgerTotal,
    Refund,
)
from sunset.ledger.partitions import prepare_periods
from sunset.ledger.rules import (
    KEYED_CAUSE,
    EntryCause,
    EntryKind,
    next_period,
    period_label,
    period_of,
)
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

    Set-based: one INSERT ... SELECT over the batch's lines. Identified (local network, period,
    ``OPENING``, line, 0): a line's opening balance is written once. Return the number of
    entries written.
    """
    lines = table_of(Line)
    period = period_of(entry_date)
    batch = and_(
        lines.c.id > after_line_id,
        lines.c.import_batch_id == batch_id,
        lines.c.balance_fen > 0,
    )
    chosen = select(
        lines.c.area_code,
        lines.c.id,
        literal(EntryKind.OPENING_BALANCE.value),
        lines.c.balance_fen,
        literal(entry_date),
        literal(period),
        literal(int(EntryCause.OPENING)),
        literal(0),
        literal(f"import batch {batch_id}"),
        func.current_timestamp(),
    ).where(batch)
    # The import's transaction makes its month (and the next) if need be: imports run alone.
    prepare_periods(session, [period, next_period(period)])
    written = execute_counted(
        session,
        insert(table_of(LedgerEntry)).from_select(ENTRY_COLUMNS, chosen.order_by(lines.c.id)),
    )
    # The totals from the batch's lines (a range of ids) rather than from the entries, which
    # are ordered by local network and period, not by line id.
    sums = (
        select(
            lines.c.area_code,
            literal(EntryKind.OPENING_BALANCE.value),
            func.sum(lines.c.balance_fen),
        )
        .where(batch)
        .group_by(lines.c.area_code)
    )
    for area, kind, fen in session.execute(sums).all():
        add_one_to_totals(session, area_code=area, kind=kind, amount_fen=int(fen or 0))
    return written


def secondary_indexes() -> list[Index]:
    """The ledger entries' indexes a bulk load drops and rebuilds (an import's opening balances)."""
    return list(table_of(LedgerEntry).indexes)


def keyed_entry(session: Session, *, area_code: str, key: str) -> LedgerEntry | None:
    """Return the entry written under a person's or a client's key, if any. A key whose entry
    is in an archived month is refused (``KEY_OF_ARCHIVED_MONTH``): its answer is no longer in
    the ledger, and posting it again would move the money twice."""
    keys, entries = table_of(LedgerKey), table_of(LedgerEntry)
    found = session.execute(
        select(keys.c.period, LedgerEntry)
        .select_from(keys)
        .outerjoin(
            LedgerEntry,
            and_(
                keys.c.area_code == entries.c.area_code,
                keys.c.period == entries.c.period,
                keys.c.cause == entries.c.cause,
                keys.c.line_id == entries.c.line_id,
                keys.c.part == entries.c.part,
            ),
        )
        .where(keys.c.area_code == area_code, keys.c.key == key)
    ).first()
    if found is None:
        return None
    period, entry = found
    if entry is None:
        raise OperationRefusedError(
            f"the key {key!r} posted an entry in {period_label(period)}, a month "
            "since archived out of the ledger: it cannot be used again; use a new key",
            code="KEY_OF_ARCHIVED_MONTH",
        )
    return cast(LedgerEntry, entry)


def add_keyed_entry(session: Session, entry: LedgerEntry, *, key: str) -> None:
    """Store a new entry posted under a person's or a client's key, and the key with it.

    Its cause is its kind's keyed cause and its part the next free one of its line, cause and
    period (the line is locked by its caller). A key posted twice is refused by the keys'
    primary key, as a concurrent retry must be.
    """
    entry.period = period_of(entry.entry_date)
    entry.cause = int(KEYED_CAUSE[EntryKind(entry.kind)])
    entries = table_of(LedgerEntry)
    last = session.scalar(
        select(func.max(entries.c.part)).where(
            entries.c.area_code == entry.area_code,
            entries.c.period == entry.period,
            entries.c.cause == entry.cause,
            entries.c.line_id == entry.line_id,
        )
    )
    entry.part = 0 if last is None else int(last) + 1
    session.add(entry)
    session.add(
        LedgerKey(
            area_code=entry.area_code,
            key=key,
            period=entry.period,
            cause=entry.cause,
            line_id=entry.line_id,
            part=entry.part,
        )
    )
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
    brought = table_of(BroughtForward)
    archived = session.execute(
        select(
            func.coalesce(func.sum(case((brought.c.kind.in_(paid), brought.c.amount_fen))), 0),
            func.coalesce(
                func.sum(case((brought.c.kind == EntryKind.CREDIT.value, brought.c.amount_fen))),
                0,
            ),
        ).where(brought.c.area_code == area_code, brought.c.line_id == line_id)
    ).one()
    return int(row[0]) + int(archived[0]), int(row[1]) + int(archived[1])


def refund_of_line(session: Session, *, area_code: str, line_id: int) -> Refund | None:
    """Return the latest refund owed to a line, if any: of the latest month (a line has one a
    month at most). Not by id: on a cluster each server gives ids from a block of its own, so a
    network moved back to the coordinator gets smaller ids than it had on its data server."""
    return session.scalar(
        select(Refund)
        .where(Refund.area_code == area_code, Refund.line_id == line_id)
        .order_by(Refund.entry_period.desc(), Refund.created_on.desc(), Refund.id.desc())
        .limit(1)
    )


def add_refund(session: Session, refund: Refund) -> None:
    """Store a refund to pay out."""
    session.add(refund)
    session.flush()


ENTRY_COLUMNS = [
    "area_code",
    "line_id",
    "kind",
    "amount_fen",
    "entry_date",
    "period",
    "cause",
    "part",
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
    customer's disfavour); a prepaid line is never charged more than its balance. Identified
    (local network, month, ``CHARGE``, line, 0): the primary key makes a second charge of a line
    in a month fail loudly instead of taking the money twice.

    Worked example: a 70-yuan plan, switched off on 10 January: 9 days of 31, 7000 x 9 // 31 =
    2032 fen (20.32 yuan).

    ``whole_area``: the chosen lines are a local network's (a month-end), read through the
    index by local network (``through_index``).
    """
    lines, entries = table_of(Line), table_of(LedgerEntry)
    amount = charge_expression(month_start=month_start, stop=stop, days_in_month=days_in_month)
    period = period_of(month_start)
    rows = select(
        lines.c.area_code,
        lines.c.id,
        literal(EntryKind.CHARGE.value),
        -amount,
        literal(entry_date),
        literal(period),
        literal(int(EntryCause.CHARGE)),
        literal(0),
        # No reference text: the kind and the month say it all, and at one entry per line per
        # month the 22 bytes were a sixth of the month-end's insert time.
        null(),
        func.current_timestamp(),
    ).where(which, amount > 0)
    if whole_area:
        rows = through_index(rows, lines, LINES_BY_AREA)
    posted = Posting(area_code, period, EntryCause.CHARGE, EntryKind.CHARGE, entry_date)
    before = posted.sum_on_sqlite(session)
    charged = execute_counted(
        session, insert(entries).from_select(ENTRY_COLUMNS, rows.order_by(lines.c.id))
    )
    if not charged:
        return Written()
    after = posted.sum_on_sqlite(session)
    total = None if before is None or after is None else after - before
    return Written(
        charged,
        apply_posting(session, posted, which=which, whole_area=whole_area, total=total),
    )


RESERVED_KEYS = (
    "opening:",
    "charge:",
    "refund:",
    "port:",
    "outage:",
    "complaint:",
)  # keys sunset writes itself (or wrote, before entries were identified by integers)


@dataclass(frozen=True)
class Posting:
    """The entries one set-based posting wrote, one a line at most: of one local network,
    period and cause, part 0, dated ``entry_date``."""

    area_code: str
    period: int
    cause: EntryCause
    kind: EntryKind
    entry_date: date

    def of_line(self, line_id: Any) -> ColumnElement[bool]:
        """The condition that an entry is this posting's entry of the line ``line_id``."""
        entries = table_of(LedgerEntry)
        return and_(
            entries.c.area_code == self.area_code,
            entries.c.period == self.period,
            entries.c.cause == int(self.cause),
            entries.c.line_id == line_id,
            entries.c.part == 0,
            entries.c.entry_date == self.entry_date,
        )

    def sum_on_sqlite(self, session: Session) -> int | None:
        """On SQLite, the sum of every entry of this posting's local network, period and cause:
        one range of the ledger's primary key. Taken before and after a posting's insert, the
        difference is what it wrote, exactly: a writer holds SQLite's write lock from BEGIN
        IMMEDIATE on, so no one else's entry of that range can land in between. ``None`` on
        PostgreSQL, where another transaction's entries could (and the join is cheap)."""
        if not is_sqlite(session):
            return None
        entries = table_of(LedgerEntry)
        summed = select(func.coalesce(func.sum(entries.c.amount_fen), 0)).where(
            entries.c.area_code == self.area_code,
            entries.c.period == self.period,
            entries.c.cause == int(self.cause),
        )
        return int(session.scalar(summed) or 0)


def apply_posting(
    session: Session,
    posted: Posting,
    *,
    which: ColumnElement[bool],
    whole_area: bool = False,
    total: int | None = None,
) -> int:
    """Move each chosen line's balance by its entry of ``posted``, add them to the running
    totals, and return their sum (``total`` when the caller knows it: ``Posting.sum_on_sqlite``
    before and after the insert).

    The chosen lines are reached first (through the index by local network for a whole one:
    ``whole_area``), each entry by its primary key from its line: never every line of the
    table, nor every entry of the local network."""
    lines, entries = table_of(Line), table_of(LedgerEntry)
    found = posted.of_line(lines.c.id)
    if total is None:
        summed = select(func.sum(entries.c.amount_fen)).select_from(lines).join(entries, found)
        if whole_area:
            summed = through_index(summed, lines, LINES_BY_AREA)
        total = int(session.scalar(summed.where(which)) or 0)
    if total:
        add_one_to_totals(
            session, area_code=posted.area_code, kind=posted.kind.value, amount_fen=total
        )
    session.execute(
        update(lines)
        .where(which, found, lines.c.area_code == posted.area_code)
        .values(balance_fen=lines.c.balance_fen + entries.c.amount_fen)
    )
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


NEW_ENTRIES = Table(
    "ledger_new_entries",
    MetaData(),
    *(Column(c.name, c.type) for c in table_of(LedgerEntry).columns),
    prefixes=["TEMPORARY"],
)


def post_credits(
    session: Session, *, area_code: str, rows: Select[Any] | CompoundSelect
) -> Written:
    """Write the credit entries ``rows`` selects (ENTRY_COLUMNS: outage credits, one or more a
    line, of one or more periods) and move balances and totals by them.

    The rows go through a temporary table first: the balances and totals are moved by what was
    written, which the credits' identities (a part that is the fen already credited) do not
    tell apart from earlier credits once written."""
    connection = session.connection()
    NEW_ENTRIES.create(connection)
    try:
        new = NEW_ENTRIES
        staged = execute_counted(session, insert(new).from_select(ENTRY_COLUMNS, rows))
        if not staged:
            return Written()
        ordered = select(*(new.c[c] for c in ENTRY_COLUMNS)).order_by(new.c.period, new.c.line_id)
        session.execute(insert(table_of(LedgerEntry)).from_select(ENTRY_COLUMNS, ordered))
        total = int(session.scalar(select(func.sum(new.c.amount_fen))) or 0)
        add_one_to_totals(
            session, area_code=area_code, kind=EntryKind.CREDIT.value, amount_fen=total
        )
        lines = table_of(Line)
        moved = (
            select(new.c.line_id, func.sum(new.c.amount_fen).label("fen"))
            .group_by(new.c.line_id)
            .subquery("moved")
        )
        # Not by the area's index of lines: by each line's id, from the few lines moved.
        session.execute(
            update(lines)
            .where(not_indexed(lines.c.area_code) == area_code, lines.c.id == moved.c.line_id)
            .values(balance_fen=lines.c.balance_fen + moved.c.fen)
        )
        return Written(staged, total)
    finally:
        NEW_ENTRIES.drop(connection)


def refund_lines(
    session: Session, *, area_code: str, which: ColumnElement[bool], day: date, reason: str
) -> Written:
    """Refund the whole positive balance of each chosen line: an entry and a refund to pay out.

    Identified (local network, period of ``day``, ``REFUND``, line, 0)."""
    lines, entries = table_of(Line), table_of(LedgerEntry)
    period = period_of(day)
    rows = select(
        lines.c.area_code,
        lines.c.id,
        literal(EntryKind.REFUND.value),
        -lines.c.balance_fen,
        literal(day),
        literal(period),
        literal(int(EntryCause.REFUND)),
        literal(0),
        literal(reason),
        func.current_timestamp(),
    ).where(which, lines.c.balance_fen > 0)
    refunded = execute_counted(
        session, insert(entries).from_select(ENTRY_COLUMNS, rows.order_by(lines.c.id))
    )
    if not refunded:
        return Written()
    posted = Posting(area_code, period, EntryCause.REFUND, EntryKind.REFUND, day)
    chosen = and_(which, lines.c.balance_fen > 0)
    new = (
        select(
            entries.c.area_code,
            entries.c.line_id,
            -entries.c.amount_fen,
            entries.c.entry_date,
            entries.c.period,
            entries.c.cause,
            entries.c.part,
        )
        .select_from(lines)
        .join(entries, posted.of_line(lines.c.id))
        .where(chosen)
    )
    session.execute(
        insert(table_of(Refund)).from_select(
            [
                "area_code",
                "line_id",
                "amount_fen",
                "created_on",
                "entry_period",
                "entry_cause",
                "entry_part",
            ],
            new,
        )
    )
    return Written(refunded, apply_posting(session, posted, which=chosen))


def add_one_to_totals(session: Session, *, area_code: str, kind: str, amount_fen: int) -> None:
    """Add one entry's amount to the running totals.

    The row is made first if missing, then added to: no ON CONFLICT with a key, which a
    cluster's coordinator cannot name (its totals are partitions on other servers, and
    PostgreSQL keeps no key over them: ``cluster.layout``).
    """
    params = {"area": area_code, "kind": kind, "amount": amount_fen}
    session.execute(
        text(
            "INSERT INTO ledger_totals (area_code, kind, amount_fen)"
            " SELECT :area, :kind, 0 WHERE 1 = 1 ON CONFLICT DO NOTHING"
        ),
        params,
    )
    session.execute(
        text(
            "UPDATE ledger_totals SET amount_fen = amount_fen + :amount"
            " WHERE area_code = :area AND kind = :kind"
        ),
        params,
    )


def totals(session: Session) -> dict[tuple[str, str], int]:
    """Return the running totals by (area code, kind)."""
    rows = session.execute(select(LedgerTotal.area_code, LedgerTotal.kind, LedgerTotal.amount_fen))
    return {(a, k): int(v) for a, k, v in rows}


def totals_from_entries(session: Session) -> dict[tuple[str, str], int]:
    """Return the sums of the entries by (area code, kind), with what archived months brought
    forward: what the totals must equal."""
    sums: dict[tuple[str, str], int] = {}
    for table in (table_of(LedgerEntry), table_of(BroughtForward)):
        rows = session.execute(
            select(table.c.area_code, table.c.kind, func.sum(table.c.amount_fen)).group_by(
                table.c.area_code, table.c.kind
            )
        )
        for a, k, v in rows:
            sums[(a, k)] = sums.get((a, k), 0) + int(v)
    return sums


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
        .order_by(
            LedgerEntry.entry_date.desc(),
            LedgerEntry.created_at.desc(),
            LedgerEntry.period.desc(),
            LedgerEntry.cause.desc(),
            LedgerEntry.part.desc(),
        )
        .limit(limit)
    )
    return list(session.scalars(query))


def brought_forward_of_line(session: Session, *, area_code: str, line_id: int) -> int | None:
    """Return what the archived months moved on a line (``None`` when they moved nothing on
    it, or no month is archived)."""
    brought = table_of(BroughtForward)
    total = session.scalar(
        select(func.sum(brought.c.amount_fen)).where(
            brought.c.area_code == area_code, brought.c.line_id == line_id
        )
    )
    return None if total is None else int(total)


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
