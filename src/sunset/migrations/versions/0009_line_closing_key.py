"""lines: the key of the request that terminated a line, so that a retry is answered, not refused

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 06:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CLOSED_BY_REQUEST = sa.text("closing_key IS NOT NULL")


def upgrade() -> None:
    # A nullable column: no rewrite of the lines table on either engine.
    op.add_column("lines", sa.Column("closing_key", sa.String(length=128), nullable=True))
    op.create_index(
        "ix_lines_number_closing_key",
        "lines",
        ["number", "closing_key"],
        unique=False,
        sqlite_where=CLOSED_BY_REQUEST,
        postgresql_where=CLOSED_BY_REQUEST,
    )


def downgrade() -> None:
    op.drop_index("ix_lines_number_closing_key", table_name="lines")
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_column("closing_key")
