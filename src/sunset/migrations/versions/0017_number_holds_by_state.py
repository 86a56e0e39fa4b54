"""number_holds: an index by state and end of quarantine

The daily cycle asks each local network, every day it runs, when its next quarantined number
comes back and frees those due; without the index both read every hold of the network (one
for each line ever closed there).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 05:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_number_holds_area_code_state_until", "number_holds", ["area_code", "state", "until"]
    )


def downgrade() -> None:
    op.drop_index("ix_number_holds_area_code_state_until", table_name="number_holds")
