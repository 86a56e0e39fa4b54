"""ledger_archives and ledger_brought_forward: closed months taken out of the ledger

``sunset ledger archive MONTH`` (PostgreSQL) detaches a closed month's partition into the
``ledger_archive`` schema; what the month moved on each line is kept here by kind, so that
balances still equal their ledger (``verify``) and what a line paid in still counts it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_archives",
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("archived_table", sa.String(length=127), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=False),
        sa.Column("archived_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_ledger_archives")),
    )
    op.create_table(
        "ledger_brought_forward",
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "area_code", "line_id", "kind", name=op.f("pk_ledger_brought_forward")
        ),
    )


def downgrade() -> None:
    archived = op.get_bind().exec_driver_sql("SELECT COUNT(*) FROM ledger_archives").scalar_one()
    if archived:
        raise RuntimeError(
            f"{archived} month(s) of the ledger are archived (ledger_archives): reattach their"
            " partitions from the ledger_archive schema before downgrading below 0019"
        )
    op.drop_table("ledger_brought_forward")
    op.drop_table("ledger_archives")
