"""Post money to a line: the one place that writes ledger entries and moves balances with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlalchemy.orm import Session

from sunset.errors import OperationRefusedError
from sunset.ledger import repository
from sunset.ledger.models import LedgerEntry, Refund
from sunset.ledger.rules import EntryKind, signed_amount
from sunset.lines.models import Line


@dataclass(frozen=True)
class Posted:
    """An entry on the ledger; ``replayed`` when the same idempotency key had already posted it."""

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
        idempotency_key=key,
        reference=reference,
    )
    repository.add_entry(session, entry)
    repository.add_one_to_totals(
        session, area_code=line.area_code, kind=kind.value, amount_fen=amount
    )
    # In SQL, not in Python: concurrent postings to one line add up instead of overwriting.
    session.execute(
        update(Line).where(Line.id == line.id).values(balance_fen=Line.balance_fen + amount)
    )
    session.refresh(line, ["balance_fen"])
    return Posted(entry, replayed=False)


def replayed(
    session: Session, *, line: Line, kind: EntryKind, amount_fen: int, key: str
) -> Posted | None:
    """Return the entry an idempotency key already posted (refusing a key reused for another
    operation), or None when the key is new."""
    amount = signed_amount(kind, amount_fen)
    earlier = repository.get_by_key(session, area_code=line.area_code, key=key)
    if earlier is not None:
        if (earlier.line_id, earlier.kind, earlier.amount_fen) != (line.id, kind.value, amount):
            raise OperationRefusedError(
                f"idempotency key {key!r} was already used for another operation "
                f"({earlier.kind} of {earlier.amount_fen} fen on {earlier.entry_date})",
                code="IDEMPOTENCY_KEY_REUSED",
            )
        return Posted(earlier, replayed=True)
    return None


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
                entry_id=posted.entry.id,
            ),
        )
    return amount
