"""Post money to one line: an entry, its balance moved with it (``post``); what a line leaving
today owes (``charge_days_used``) and is owed (``refund_balance``).

The set-based postings of many lines at once (a month-end, a switch-off, outage credits) are
in ``repository``; both refuse an entry dated on or before the day the cycle has closed the
local network's books through.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sunset.errors import InputInvalidError, OperationRefusedError
from sunset.kit.numbers import display
from sunset.ledger import repository
from sunset.ledger.models import LedgerEntry, Refund
from sunset.ledger.repository import Written
from sunset.ledger.rules import EntryKind, signed_amount
from sunset.lines.models import Line


@dataclass(frozen=True)
class Posted:
    """An entry on the ledger; ``replayed`` when the same key had already posted it."""

    entry: LedgerEntry
    replayed: bool


def post(
    session: Session,
    *,
    line: Line,
    kind: EntryKind,
    amount_fen: int,
    day: date,
    key: str,
    reference: str | None = None,
) -> Posted:
    """Write one entry and move the line's balance by it, once per idempotency key.

    The same key with the same line, kind and amount returns the first entry untouched; the same
    key with anything else is refused, so a retried request can never move money twice.
    """
    amount = signed_amount(kind, amount_fen)
    earlier = replayed(session, line=line, kind=kind, amount_fen=amount_fen, key=key)
    if earlier is not None:
        return earlier
    entry = LedgerEntry(
        area_code=line.area_code,
        line_id=line.id,
        kind=kind.value,
        amount_fen=amount,
        entry_date=day,
        reference=reference,
    )
    repository.add_keyed_entry(session, entry, key=key)
    repository.add_one_to_totals(
        session, area_code=line.area_code, kind=kind.value, amount_fen=amount
    )
    # In SQL, not in Python: concurrent postings to one line add up instead of overwriting; the
    # statement returns the new balance, so the line is not read again.
    balance = session.execute(
        update(Line)
        .where(Line.id == line.id)
        .values(balance_fen=Line.balance_fen + amount)
        .returning(Line.balance_fen)
    ).scalar_one()
    set_committed_value(line, "balance_fen", balance)
    return Posted(entry, replayed=False)


def replayed(
    session: Session,
    *,
    line: Line,
    kind: EntryKind,
    amount_fen: int,
    key: str,
    shown: str | None = None,
) -> Posted | None:
    """Return the entry an idempotency key already posted (refusing a key reused for another
    operation, named as the client gave it: ``shown``), or None when the key is new."""
    amount = signed_amount(kind, amount_fen)
    earlier = repository.keyed_entry(session, area_code=line.area_code, key=key)
    if earlier is not None:
        if (earlier.line_id, earlier.kind, earlier.amount_fen) != (line.id, kind.value, amount):
            raise OperationRefusedError(
                f"idempotency key {shown or key!r} was already used for another operation "
                f"({earlier.kind} of {earlier.amount_fen} fen on {earlier.entry_date})",
                code="IDEMPOTENCY_KEY_REUSED",
            )
        return Posted(earlier, replayed=True)
    return None


def replayed_unscoped(
    session: Session, *, line: Line, kind: EntryKind, amount_fen: int, key: str
) -> Posted | None:
    """Return the entry a client's key posted before keys were scoped by operator, only when it
    is this very operation (same line, kind and amount); anything else is not an answer."""
    earlier = repository.keyed_entry(session, area_code=line.area_code, key=key)
    same = earlier is not None and (earlier.line_id, earlier.kind, earlier.amount_fen) == (
        line.id,
        kind.value,
        signed_amount(kind, amount_fen),
    )
    return Posted(earlier, replayed=True) if same and earlier is not None else None


def refund_balance(session: Session, *, line: Line, day: date, key: str, reason: str) -> int:
    """Take a line's whole positive balance off it as a refund to pay out; return the amount."""
    if line.balance_fen <= 0:
        return 0
    amount = line.balance_fen
    posted = post(
        session,
        line=line,
        kind=EntryKind.REFUND,
        amount_fen=amount,
        day=day,
        key=key,
        reference=reason,
    )
    if not posted.replayed:
        repository.add_refund(
            session,
            Refund(
                area_code=line.area_code,
                line_id=line.id,
                amount_fen=amount,
                created_on=day,
                entry_period=posted.entry.period,
                entry_cause=posted.entry.cause,
                entry_part=posted.entry.part,
            ),
        )
    return amount


RESERVED_KEYS = repository.RESERVED_KEYS


def check_key(key: str) -> None:
    """Refuse an empty idempotency key or one in sunset's reserved namespaces."""
    if not key.strip():
        raise InputInvalidError("an idempotency key cannot be empty", field="key")
    if key.startswith(RESERVED_KEYS):
        raise InputInvalidError(
            f"idempotency keys starting with {', '.join(RESERVED_KEYS)} are reserved for "
            "sunset's own postings",
            field="key",
        )


def refuse_if_closed(session: Session, *, area_code: str, day: date, what: str) -> None:
    """Refuse a write dated ``day`` in a local network whose cycle has already run through it:
    that day's month-end charge or switch-off is on the ledger, and a write dated before it
    would be charged twice or never (``DATE_BEFORE_CYCLE``)."""
    done = repository.checkpoint(session, area_code)
    if done is not None and day <= done:
        raise OperationRefusedError(
            f"the cycle of {area_code} has already run through {done}: {what} cannot be dated "
            f"{day}; date it after {done}",
            code="DATE_BEFORE_CYCLE",
        )


def charge_days_used(session: Session, *, line: Line, today: date) -> Written:
    """Charge a line that leaves today for this month's days before today (its last month).

    Refused when the cycle has already run through ``today`` in the line's local network: that
    month's charge (or the switch-off) is already on the ledger, and a departure dated before
    it would charge the same days twice.
    """
    refuse_if_closed(
        session, area_code=line.area_code, day=today, what=f"{display(line.number)} leaving"
    )
    written = repository.charge_lines(
        session,
        area_code=line.area_code,
        which=Line.id == line.id,
        month_start=today.replace(day=1),
        stop=today,
        days_in_month=calendar.monthrange(today.year, today.month)[1],
        entry_date=today,
    )
    if written.entries:
        session.refresh(line, ["balance_fen"])
    return written
