"""lines: an index of the lines that left, by local network and day (the month-end's flows)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DEPARTED = sa.text("terminated_on IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_lines_departed",
        "lines",
        ["area_code", "terminated_on"],
        unique=False,
        sqlite_where=DEPARTED,
        postgresql_where=DEPARTED,
    )


def downgrade() -> None:
    op.drop_index("ix_lines_departed", table_name="lines")
