"""Every select and insert of ledger entries (there are no updates: entries are immutable)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from sunset.db import is_sqlite
from sunset.ledger.rules import EntryKind


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
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
