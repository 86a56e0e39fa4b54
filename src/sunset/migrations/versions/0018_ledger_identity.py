"""ledger: entries identified by integers, client keys in a table of their own, stored by period

Ledger entries lose their surrogate id and their text key. An entry is identified by
(area_code, period, cause, line_id, part): the month (yyyymm) it charges or credits, or of its
date; why the system wrote it (``ledger.rules.EntryCause``); and a part that tells several
entries of one cause on one line in one month apart. SQLite stores the table ``WITHOUT ROWID``
in that order; PostgreSQL partitions it by period (a partition a month and a default one).
Keys given by people or clients move to ``ledger_keys``; a refund names its entry by the
entry's identity instead of its id.

The old keys are read as the code wrote them:

- ``opening:<line>`` (an opening balance) -> cause 1, period of its date, part 0;
- ``charge:<YYYY-MM>:<line>`` -> cause 2, that month, part 0;
- ``refund:<line>`` (a switch-off's refund) -> cause 3, period of its date, part 0;
- ``outage:<YYYY-MM>:<line>:<fen credited before>`` -> cause 4, that month, part = that fen;
- any other key (a client's, a complaint's, a port's, a migration's) -> the keyed cause of its
  kind (10-16), period of its date, parts 0, 1, ... in the order they were written, the key
  kept in ``ledger_keys``.

The downgrade writes the same keys back, ids in the order the entries were written.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

IMMUTABLE = "ledger entries are immutable: correct with a new entry"
CHECK_SQLITE = (
    "((kind = 'opening_balance' OR kind = 'top_up' OR kind = 'credit' OR kind = 'transfer_in')"
    " AND amount_fen > 0) OR ((kind = 'charge' OR kind = 'refund' OR kind = 'transfer_out')"
    " AND amount_fen < 0)"
)
CHECK_PG = (
    "(kind IN ('opening_balance', 'top_up', 'credit', 'transfer_in') AND amount_fen > 0)"
    " OR (kind IN ('charge', 'refund', 'transfer_out') AND amount_fen < 0)"
)
KEYED = {
    "opening_balance": 10,
    "top_up": 11,
    "charge": 12,
    "credit": 13,
    "refund": 14,
    "transfer_in": 15,
    "transfer_out": 16,
}
CAUSE = (
    "CASE"
    " WHEN kind = 'opening_balance' AND idempotency_key LIKE 'opening:%' THEN 1"
    " WHEN kind = 'charge' AND idempotency_key LIKE 'charge:%' THEN 2"
    " WHEN kind = 'refund' AND idempotency_key LIKE 'refund:%' THEN 3"
    " WHEN kind = 'credit' AND idempotency_key LIKE 'outage:%' THEN 4"
    + "".join(f" WHEN kind = '{k}' THEN {c}" for k, c in KEYED.items())
    + " END"
)
IDENTITY = ("area_code", "period", "cause", "line_id", "part")
DATA = ("kind", "amount_fen", "entry_date", "reference", "created_at")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _key_month(column: str) -> str:
    """The yyyymm of a key ``<prefix>:<YYYY-MM>:...`` whose prefix is 6 characters."""
    return f"(CAST(substr({column}, 8, 4) AS INTEGER) * 100 + CAST(substr({column}, 13, 2) AS INTEGER))"


def _date_month(column: str) -> str:
    if _sqlite():
        return (
            f"(CAST(substr({column}, 1, 4) AS INTEGER) * 100"
            f" + CAST(substr({column}, 6, 2) AS INTEGER))"
        )
    return f"CAST(to_char({column}, 'YYYYMM') AS INTEGER)"


def _padded(column: str) -> str:
    if _sqlite():
        return f"printf('%012d', {column})"
    return f"lpad(CAST({column} AS VARCHAR(20)), 12, '0')"


def _month_text(column: str) -> str:
    if _sqlite():
        return f"printf('%04d-%02d', {column} / 100, {column} % 100)"
    return (
        f"(CAST({column} / 100 AS VARCHAR(4)) || '-'"
        f" || lpad(CAST(mod({column}, 100) AS VARCHAR(2)), 2, '0'))"
    )


def _as_text(column: str) -> str:
    return f"CAST({column} AS {'TEXT' if _sqlite() else 'VARCHAR(20)'})"


def _forbid_changes(table: str) -> None:
    if _sqlite():
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER trg_ledger_entries_no_{action.lower()} BEFORE {action}"
                f" ON {table} BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END"
            )
        return
    op.execute(
        f"CREATE TRIGGER trg_ledger_entries_immutable BEFORE UPDATE OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION ledger_entries_immutable()"
    )


def _drop_triggers() -> None:
    if _sqlite():
        op.execute("DROP TRIGGER IF EXISTS trg_ledger_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS trg_ledger_entries_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_ledger_entries_immutable ON ledger_entries")


def _data_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
    ]


def _identity_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("cause", sa.SmallInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
    ]


# --- upgrade ---------------------------------------------------------------------------------


def upgrade() -> None:
    sqlite = _sqlite()
    # Each old entry's new identity, worked out once: the entries, the keys and the refunds
    # are moved by it.
    period = (
        f"CASE WHEN cause = 2 OR cause = 4 THEN {_key_month('idempotency_key')}"
        f" ELSE {_date_month('entry_date')} END"
    )
    op.execute(
        "CREATE TABLE ledger_ids_0018 AS SELECT id, area_code, line_id, cause, period,"
        " CASE WHEN cause = 4 THEN CAST(substr(idempotency_key, 29) AS INTEGER)"
        " WHEN cause < 10 THEN 0"
        " ELSE ROW_NUMBER() OVER (PARTITION BY area_code, period, cause, line_id ORDER BY id) - 1"
        " END AS part, idempotency_key"
        f" FROM (SELECT c.*, {period} AS period FROM"
        f" (SELECT id, area_code, line_id, entry_date, idempotency_key, {CAUSE} AS cause"
        " FROM ledger_entries) c) p"
    )
    op.execute("CREATE UNIQUE INDEX ix_ledger_ids_0018 ON ledger_ids_0018 (id)")

    name = "ledger_entries_v17"
    pk = "pk_ledger_entries" if sqlite else "pk_ledger_entries_v17"
    op.create_table(
        name,
        *_identity_columns(),
        *_data_columns(),
        sa.CheckConstraint(CHECK_SQLITE, name="ck_ledger_entries_kind_sign"),
        sa.PrimaryKeyConstraint(*IDENTITY, name=pk),
        sqlite_with_rowid=False,
        postgresql_partition_by="RANGE (period)",
    )
    if not sqlite:
        op.execute(f"CREATE TABLE ledger_entries_default PARTITION OF {name} DEFAULT")
        periods = op.get_bind().exec_driver_sql("SELECT DISTINCT period FROM ledger_ids_0018")
        for (p,) in periods.all():
            op.execute(
                f"CREATE TABLE ledger_entries_p{p} PARTITION OF {name}"
                f" FOR VALUES FROM ({p}) TO ({p + 1})"
            )
    identity = ", ".join(IDENTITY)
    data = ", ".join(DATA)
    op.execute(
        f"INSERT INTO {name} ({identity}, {data})"
        f" SELECT {', '.join('m.' + c for c in IDENTITY)}, {', '.join('e.' + c for c in DATA)}"
        " FROM ledger_entries e JOIN ledger_ids_0018 m ON m.id = e.id"
        " ORDER BY m.area_code, m.period, m.cause, m.line_id, m.part"
    )
    op.create_table(
        "ledger_keys",
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("cause", sa.SmallInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "key", name="pk_ledger_keys"),
    )
    op.execute(
        "INSERT INTO ledger_keys (area_code, key, period, cause, line_id, part)"
        " SELECT area_code, idempotency_key, period, cause, line_id, part FROM ledger_ids_0018"
        " WHERE cause >= 10"
    )
    _refunds_by_identity()
    _drop_triggers()
    op.drop_table("ledger_entries")
    op.drop_table("ledger_ids_0018")
    op.rename_table(name, "ledger_entries")
    if not sqlite:
        op.execute(
            "ALTER TABLE ledger_entries RENAME CONSTRAINT pk_ledger_entries_v17"
            " TO pk_ledger_entries"
        )
    op.create_index(
        "ix_ledger_entries_area_code_line_id", "ledger_entries", ["area_code", "line_id"]
    )
    _forbid_changes("ledger_entries")


def _refunds_by_identity() -> None:
    with op.batch_alter_table("refunds") as batch:
        batch.add_column(sa.Column("entry_period", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("entry_cause", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("entry_part", sa.Integer(), nullable=True))
    for column, source in (
        ("entry_period", "period"),
        ("entry_cause", "cause"),
        ("entry_part", "part"),
    ):
        op.execute(
            f"UPDATE refunds SET {column} ="
            f" (SELECT m.{source} FROM ledger_ids_0018 m WHERE m.id = refunds.entry_id)"
        )
    with op.batch_alter_table("refunds") as batch:
        batch.alter_column("entry_period", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("entry_cause", existing_type=sa.SmallInteger(), nullable=False)
        batch.alter_column("entry_part", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("entry_id")


# --- downgrade -------------------------------------------------------------------------------


def _old_key() -> str:
    month, line = _month_text("e.period"), _padded("e.line_id")
    return (
        "CASE e.cause"
        f" WHEN 1 THEN 'opening:' || {line}"
        f" WHEN 2 THEN 'charge:' || {month} || ':' || {line}"
        f" WHEN 3 THEN 'refund:' || {line}"
        f" WHEN 4 THEN 'outage:' || {month} || ':' || {line} || ':' || {_as_text('e.part')}"
        " ELSE k.key END"
    )


def downgrade() -> None:
    sqlite = _sqlite()
    op.execute(
        "CREATE TABLE ledger_ids_0018 AS SELECT ROW_NUMBER() OVER (ORDER BY created_at,"
        " entry_date, area_code, period, cause, line_id, part) AS id,"
        " area_code, period, cause, line_id, part FROM ledger_entries"
    )
    op.execute(
        "CREATE UNIQUE INDEX ix_ledger_ids_0018 ON ledger_ids_0018"
        " (area_code, period, cause, line_id, part)"
    )
    name = "ledger_entries_v16"
    op.create_table(
        name,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            CHECK_SQLITE if sqlite else CHECK_PG, name="ck_ledger_entries_kind_sign"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries_v16"),
    )
    same = " AND ".join(f"m.{c} = e.{c}" for c in IDENTITY)
    keyed = " AND ".join(f"k.{c} = e.{c}" for c in IDENTITY)
    op.execute(
        f"INSERT INTO {name} (id, area_code, line_id, kind, amount_fen, entry_date,"
        " idempotency_key, reference, created_at)"
        f" SELECT m.id, e.area_code, e.line_id, e.kind, e.amount_fen, e.entry_date, {_old_key()},"
        " e.reference, e.created_at FROM ledger_entries e"
        f" JOIN ledger_ids_0018 m ON {same} LEFT JOIN ledger_keys k ON {keyed} ORDER BY m.id"
    )
    with op.batch_alter_table("refunds") as batch:
        batch.add_column(sa.Column("entry_id", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE refunds SET entry_id = (SELECT m.id FROM ledger_ids_0018 m"
        " WHERE m.area_code = refunds.area_code AND m.period = refunds.entry_period"
        " AND m.cause = refunds.entry_cause AND m.line_id = refunds.line_id"
        " AND m.part = refunds.entry_part)"
    )
    with op.batch_alter_table("refunds") as batch:
        batch.alter_column("entry_id", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_column("entry_part")
        batch.drop_column("entry_cause")
        batch.drop_column("entry_period")
    _drop_triggers()
    op.drop_table("ledger_entries")  # and, on PostgreSQL, its partitions
    op.drop_table("ledger_keys")
    op.drop_table("ledger_ids_0018")
    op.rename_table(name, "ledger_entries")
    if not sqlite:
        op.execute(
            "ALTER TABLE ledger_entries RENAME CONSTRAINT pk_ledger_entries_v16 TO pk_ledger_entries"
        )
        op.execute("ALTER SEQUENCE ledger_entries_v16_id_seq RENAME TO ledger_entries_id_seq")
        op.execute(
            "SELECT setval('ledger_entries_id_seq', (SELECT COALESCE(MAX(id), 0) + 1"
            " FROM ledger_entries), false)"
        )
    with op.batch_alter_table("ledger_entries") as batch:
        batch.create_unique_constraint(
            "uq_ledger_entries_area_code_idempotency_key", ["area_code", "idempotency_key"]
        )
        batch.create_index("ix_ledger_entries_area_code_line_id", ["area_code", "line_id"])
    _forbid_changes("ledger_entries")
