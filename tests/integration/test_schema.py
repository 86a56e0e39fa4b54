"""The schema the migrations build is the one the code declares, on both engines: a column or
index added to a model without its migration would exist in tests' databases and nowhere else."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import sunset.models
from sunset.db import Base, alembic_config, make_engine, upgrade


def test_the_migrated_schema_matches_the_models(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": sunset.models.in_schema_comparison}
        )
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_lines_leave_room_on_postgresql_pages_for_the_month_ends_new_balances(
    engine: sa.Engine,
) -> None:
    # Without it every month-end's balance update writes a new entry in every index of lines.
    with engine.connect() as connection:
        options = connection.exec_driver_sql(
            "SELECT reloptions FROM pg_class WHERE relname = 'lines'"
        ).scalar_one()

    assert options == ["fillfactor=50"]


def _checks(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '%CHECK%'"
        ).all()
    return {name: sql for name, sql in rows}


def _post(engine: sa.Engine, kind: str, amount_fen: int, part: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO ledger_entries (area_code, period, cause, line_id, part, kind,"
                " amount_fen, entry_date) VALUES ('0551', 201101, 12, 1, :part, :kind, :amount,"
                " '2011-01-31')"
            ),
            {"kind": kind, "amount": amount_fen, "part": part},
        )


def _post_keyed(engine: sa.Engine, kind: str, amount_fen: int, key: str) -> None:
    """An entry as a database before migration 0018 held it: under a text key."""
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO ledger_entries (area_code, line_id, kind, amount_fen, entry_date,"
                " idempotency_key) VALUES ('0551', 1, :kind, :amount, '2011-01-31', :key)"
            ),
            {"kind": kind, "amount": amount_fen, "key": key},
        )


@pytest.mark.parametrize(
    ("kind", "amount_fen"),
    [("charge", 700), ("top_up", -700), ("credit", -1), ("refund", 1), ("bonus", 700)],
)
def test_the_ledger_refuses_an_entry_whose_sign_does_not_fit_its_kind(
    engine: sa.Engine, kind: str, amount_fen: int
) -> None:
    with pytest.raises(sa.exc.IntegrityError, match=r"kind_sign|check constraint"):
        _post(engine, kind, amount_fen, 1)

    _post(engine, "charge", -700, 2)
    _post(engine, "top_up", 700, 3)
    with engine.connect() as connection:
        kept = connection.exec_driver_sql("SELECT COUNT(*) FROM ledger_entries").scalar_one()
    assert kept == 2


def test_migration_0013_rewrites_only_the_text_of_sqlite_check_constraints(
    sqlite_url: str,
) -> None:
    # A database built before it: its CHECK constraints hold IN lists, which SQLite 3.40 sets
    # up again for every row a constraint tests (a third of a month-end's charge insert).
    engine = make_engine(sqlite_url, migrate=False)
    try:
        upgrade(engine, "0012")
        before = _checks(engine)
        _post_keyed(engine, "charge", -7000, "charge:2011-01:1")

        upgrade(engine, "0013")

        after = _checks(engine)
        assert set(after) == set(before)
        assert not [name for name, sql in after.items() if " IN (" in sql]
        assert (
            "(kind = 'charge' OR kind = 'refund' OR kind = 'transfer_out')"
            in after["ledger_entries"]
        )
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            assert connection.exec_driver_sql(
                "SELECT amount_fen FROM ledger_entries"
            ).scalars().all() == [-7000]
        with pytest.raises(sa.exc.IntegrityError):
            _post_keyed(engine, "charge", 7000, "charge:2011-02:1")
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO number_holds (area_code, number, state, since, until)"
                " VALUES ('0551', '+8655162000000', 'lost', '2011-01-01', '2011-04-01')"
            )

        command.downgrade(alembic_config(engine), "0012")

        assert _checks(engine) == before
    finally:
        engine.dispose()
