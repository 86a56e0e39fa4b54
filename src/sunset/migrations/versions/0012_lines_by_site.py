"""lines: the index by home site also holds what a line's days of service are worked out from

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 08:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SERVICE = [
    "area_code",
    "home_site",
    "activated_on",
    "terminated_on",
    "suspension_reason",
    "suspended_on",
    "monthly_fee_fen",
]


def upgrade() -> None:
    op.drop_index("ix_lines_area_code_home_site", table_name="lines")
    op.create_index("ix_lines_site_service", "lines", SERVICE, unique=False)


def downgrade() -> None:
    op.drop_index("ix_lines_site_service", table_name="lines")
    op.create_index("ix_lines_area_code_home_site", "lines", ["area_code", "home_site"])
