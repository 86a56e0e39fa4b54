"""lines: half of each page left free on PostgreSQL, so that the month-end's new balances are
heap-only updates (no index touched)

Existing pages are not rewritten here (a 20M-line table takes minutes under an exclusive lock):
new pages get the room at once, full ones after the next month-end and a vacuum, or at once with
`VACUUM FULL lines` in a maintenance window.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 06:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE lines SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE lines RESET (fillfactor)")
