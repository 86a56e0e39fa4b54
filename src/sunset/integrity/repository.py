"""The set-based queries that look for broken invariants."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from sunset.ledger.rules import MONEY_IN, MONEY_OUT
from sunset.lines.models import LIVE_WHERE
from sunset.lines.vocabulary import sql_in

EXAMPLE_LIMIT = 10

_LEDGER_SUMS = (
    "SELECT l.number, l.balance_fen, COALESCE(s.total, 0) AS total FROM lines l"
    " LEFT JOIN (SELECT area_code, line_id, SUM(amount_fen) AS total FROM"
    " (SELECT area_code, line_id, amount_fen FROM ledger_entries UNION ALL"
    " SELECT area_code, line_id, amount_fen FROM ledger_brought_forward) e"
    " GROUP BY area_code, line_id) s ON s.area_code = l.area_code AND s.line_id = l.id"
    " WHERE l.balance_fen <> COALESCE(s.total, 0)"
)


def balance_mismatches(session: Session) -> tuple[list[tuple[str, int, int]], int]:
    """Return the first lines whose balance is not their ledger sum, and how many there are."""
    count = session.execute(text(f"SELECT COUNT(*) FROM ({_LEDGER_SUMS}) m")).scalar_one()
    rows = session.execute(text(f"{_LEDGER_SUMS} ORDER BY l.id LIMIT {EXAMPLE_LIMIT}")).all()
    return [(r[0], int(r[1]), int(r[2])) for r in rows], int(count)


def numbers_live_twice(session: Session) -> list[tuple[str, int]]:
    """Return numbers live on more than one line."""
    rows = session.execute(
        text(
            f"SELECT number, COUNT(*) FROM lines WHERE {LIVE_WHERE}"
            " GROUP BY number HAVING COUNT(*) > 1 ORDER BY number"
        )
    ).all()
    return [(r[0], int(r[1])) for r in rows]


def numbers_held_and_live(session: Session) -> list[str]:
    """Return numbers in quarantine or the pool that are also on a live line."""
    return list(
        session.scalars(
            text(
                "SELECT h.number FROM number_holds h JOIN lines l ON l.number = h.number"
                f" WHERE l.{LIVE_WHERE} ORDER BY h.number"
            )
        )
    )


def numbers_lost(session: Session) -> list[str]:
    """Return numbers of closed lines that are nowhere: not live, not held."""
    return list(
        session.scalars(
            text(
                "SELECT DISTINCT l.number FROM lines l"
                " WHERE l.status IN ('terminated', 'migrated')"
                " AND NOT EXISTS (SELECT 1 FROM lines x"
                f" WHERE x.number = l.number AND x.{LIVE_WHERE})"
                " AND NOT EXISTS (SELECT 1 FROM number_holds h"
                " WHERE h.area_code = l.area_code AND h.number = l.number)"
                " ORDER BY l.number"
            )
        )
    )


def departures_without_record(session: Session) -> list[str]:
    """Return numbers of lines marked migrated or ported out with no migration or completed port
    behind them: a line that left without its record."""
    return list(
        session.scalars(
            text(
                "SELECT l.number FROM lines l WHERE (l.status = 'migrated' AND NOT EXISTS"
                " (SELECT 1 FROM migrations m WHERE m.area_code = l.area_code"
                " AND m.old_line_id = l.id)) OR (l.status = 'ported_out' AND NOT EXISTS"
                " (SELECT 1 FROM port_requests p WHERE p.area_code = l.area_code"
                " AND p.line_id = l.id AND p.state = 'completed')) ORDER BY l.number"
            )
        )
    )


def entries_with_wrong_sign(session: Session) -> int:
    """Count entries whose amount has the wrong sign for their kind."""
    ins, outs = sql_in(tuple(MONEY_IN)), sql_in(tuple(MONEY_OUT))
    return int(
        session.execute(
            text(
                "SELECT COUNT(*) FROM ledger_entries WHERE NOT ("
                f"(kind IN ({ins}) AND amount_fen > 0) OR (kind IN ({outs}) AND amount_fen < 0))"
            )
        ).scalar_one()
    )


def entries_without_their_line(session: Session) -> int:
    """Count entries whose line does not exist in their local network."""
    return int(
        session.execute(
            text(
                "SELECT COUNT(*) FROM ledger_entries e WHERE NOT EXISTS ("
                "SELECT 1 FROM lines l WHERE l.id = e.line_id AND l.area_code = e.area_code)"
            )
        ).scalar_one()
    )


def money_totals(session: Session) -> tuple[int, int]:
    """Return (signed sum of every ledger entry, with what archived months brought forward;
    sum of every balance)."""
    entries = session.execute(
        text(
            "SELECT COALESCE((SELECT SUM(amount_fen) FROM ledger_entries), 0)"
            " + COALESCE((SELECT SUM(amount_fen) FROM ledger_brought_forward), 0)"
        )
    )
    balances = session.execute(text("SELECT COALESCE(SUM(balance_fen), 0) FROM lines"))
    return int(entries.scalar_one()), int(balances.scalar_one())


def lines_without_customer(session: Session) -> int:
    """Count lines whose customer does not exist."""
    return int(
        session.execute(
            text(
                "SELECT COUNT(*) FROM lines l WHERE NOT EXISTS (SELECT 1 FROM customers c"
                " WHERE c.area_code = l.area_code AND c.operator_code = l.operator_code"
                " AND c.customer_ref = l.customer_ref)"
            )
        ).scalar_one()
    )


def unknown_references(session: Session) -> list[tuple[str, str, int]]:
    """Return (table.column, value, rows) for codes that are not in the reference tables."""
    probes = [
        ("lines", "area_code", "local_networks", "area_code"),
        ("lines", "operator_code", "operators", "code"),
        ("lines", "network_code", "networks", "code"),
        ("customers", "area_code", "local_networks", "area_code"),
        ("customers", "operator_code", "operators", "code"),
        ("ledger_entries", "area_code", "local_networks", "area_code"),
    ]
    found: list[tuple[str, str, int]] = []
    for table, column, parent, key in probes:
        rows = session.execute(
            text(
                f"SELECT t.{column}, COUNT(*) FROM {table} t WHERE NOT EXISTS"
                f" (SELECT 1 FROM {parent} p WHERE p.{key} = t.{column}) GROUP BY t.{column}"
            )
        ).all()
        found.extend((f"{table}.{column}", str(value), int(count)) for value, count in rows)
    return found
