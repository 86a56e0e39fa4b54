"""Migration 0018 moves a ledger written under text keys to integer identities and back, on
both engines: every entry, key and refund survives, and a rerun of a month-end still writes
nothing new."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext

from sunset.db import alembic_config, make_engine, upgrade

# (line, kind, amount, date, key) as the code before 0018 wrote them.
OLD_ENTRIES = [
    (1, "opening_balance", 5000, "2011-01-01", "opening:000000000001"),
    (2, "opening_balance", 1250, "2011-01-01", "opening:000000000002"),
    (1, "top_up", 3000, "2011-01-10", "telecom:k1"),
    (1, "top_up", 2000, "2011-01-20", "telecom:k2"),
    (1, "charge", -7000, "2011-01-31", "charge:2011-01:000000000001"),
    (2, "charge", -1250, "2011-01-31", "charge:2011-01:000000000002"),
    (1, "credit", 4968, "2011-02-05", "outage:2011-01:000000000001:0"),
    (1, "credit", 500, "2011-02-06", "outage:2011-01:000000000001:4968"),
    (1, "credit", 1000, "2011-02-07", "complaint:7"),
    (1, "refund", -9468, "2011-02-10", "refund:000000000001"),
]
ENTRIES = "SELECT line_id, kind, amount_fen, entry_date, idempotency_key FROM ledger_entries"


def _rows(engine: sa.Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return sorted(tuple(str(v) for v in row) for row in connection.exec_driver_sql(sql))


def test_migration_0018_gives_each_entry_its_identity_and_the_downgrade_gives_back_its_key(
    db_url: str,
) -> None:
    engine = make_engine(db_url, migrate=False)
    try:
        with engine.connect() as connection:
            at = MigrationContext.configure(connection).get_current_revision()
        if at is None:
            upgrade(engine, "0017")
        else:  # a PostgreSQL database made from a template at head
            command.downgrade(alembic_config(engine), "0017")
        with engine.begin() as connection:
            for line, kind, amount, day, key in OLD_ENTRIES:
                connection.execute(
                    sa.text(
                        "INSERT INTO ledger_entries (area_code, line_id, kind, amount_fen,"
                        " entry_date, idempotency_key) VALUES ('0551', :l, :k, :a, :d, :key)"
                    ),
                    {"l": line, "k": kind, "a": amount, "d": day, "key": key},
                )
            connection.exec_driver_sql(
                "INSERT INTO refunds (area_code, line_id, amount_fen, created_on, entry_id)"
                " SELECT area_code, line_id, -amount_fen, entry_date, id FROM ledger_entries"
                " WHERE idempotency_key = 'refund:000000000001'"
            )
        before = _rows(engine, ENTRIES)

        upgrade(engine, "head")

        assert _rows(
            engine,
            "SELECT period, cause, line_id, part, kind, amount_fen FROM ledger_entries",
        ) == sorted(
            tuple(str(v) for v in row)
            for row in [
                (201101, 1, 1, 0, "opening_balance", 5000),
                (201101, 1, 2, 0, "opening_balance", 1250),
                (201101, 11, 1, 0, "top_up", 3000),
                (201101, 11, 1, 1, "top_up", 2000),
                (201101, 2, 1, 0, "charge", -7000),
                (201101, 2, 2, 0, "charge", -1250),
                (201101, 4, 1, 0, "credit", 4968),
                (201101, 4, 1, 4968, "credit", 500),
                (201102, 13, 1, 0, "credit", 1000),
                (201102, 3, 1, 0, "refund", -9468),
            ]
        )
        # Only the keys people and clients gave are kept as text.
        assert _rows(engine, "SELECT key, period, cause, part FROM ledger_keys") == sorted(
            [
                ("complaint:7", "201102", "13", "0"),
                ("telecom:k1", "201101", "11", "0"),
                ("telecom:k2", "201101", "11", "1"),
            ]
        )
        assert _rows(
            engine,
            "SELECT r.amount_fen, e.kind FROM refunds r JOIN ledger_entries e"
            " ON e.area_code = r.area_code AND e.period = r.entry_period"
            " AND e.cause = r.entry_cause AND e.line_id = r.line_id AND e.part = r.entry_part",
        ) == [("9468", "refund")]
        # A rerun of January's month-end is refused by the identity, as by the key before.
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO ledger_entries (area_code, period, cause, line_id, part, kind,"
                " amount_fen, entry_date) VALUES"
                " ('0551', 201101, 2, 1, 0, 'charge', -7000, '2011-01-31')"
            )
        # Entries are still immutable.
        with pytest.raises(sa.exc.DBAPIError), engine.begin() as connection:
            connection.exec_driver_sql("UPDATE ledger_entries SET amount_fen = amount_fen + 1")

        command.downgrade(alembic_config(engine), "0017")

        assert _rows(engine, ENTRIES) == before
        assert _rows(
            engine,
            "SELECT e.idempotency_key FROM refunds r JOIN ledger_entries e ON e.id = r.entry_id",
        ) == [("refund:000000000001",)]
        with pytest.raises(sa.exc.DBAPIError), engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM ledger_entries")
    finally:
        engine.dispose()
