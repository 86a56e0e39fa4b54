"""access: money held for approval (four eyes), the money and key of each audited write; who
runs which network where (plans belong to that operator)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amount_fen", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("request_key", sa.String(length=160), nullable=True))
        batch_op.create_index(
            "ix_audit_log_user_name_business_day", ["user_name", "business_day"], unique=False
        )
        batch_op.create_index("ix_audit_log_request_key", ["request_key"], unique=False)
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_code", sa.String(length=32), nullable=True),
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("request_key", sa.String(length=160), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("maker_name", sa.String(length=64), nullable=False),
        sa.Column("maker_role", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
        sa.UniqueConstraint("request_key", name=op.f("uq_approvals_request_key")),
    )
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_approvals_state_operator_code", ["state", "operator_code"], unique=False
        )
    op.create_table(
        "network_operators",
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("network_code", sa.String(length=32), nullable=False),
        sa.Column("operator_code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["local_networks.area_code"],
            name=op.f("fk_network_operators_area_code_local_networks"),
        ),
        sa.ForeignKeyConstraint(
            ["network_code"],
            ["networks.code"],
            name=op.f("fk_network_operators_network_code_networks"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_code"],
            ["operators.code"],
            name=op.f("fk_network_operators_operator_code_operators"),
        ),
        sa.PrimaryKeyConstraint("area_code", "network_code", name=op.f("pk_network_operators")),
    )


def downgrade() -> None:
    op.drop_table("network_operators")
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.drop_index("ix_approvals_state_operator_code")
    op.drop_table("approvals")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_request_key")
        batch_op.drop_index("ix_audit_log_user_name_business_day")
        batch_op.drop_column("request_key")
        batch_op.drop_column("amount_fen")
