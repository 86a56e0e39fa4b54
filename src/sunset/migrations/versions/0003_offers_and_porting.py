"""offers and porting

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Real-name registration is per number in China: the line carries it (backfilled from its
    # customer), so eligibility and campaign lists need no join.
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("real_name", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE lines SET real_name = COALESCE((SELECT c.real_name FROM customers c"
        " WHERE c.area_code = lines.area_code AND c.operator_code = lines.operator_code"
        " AND c.customer_ref = lines.customer_ref), false)"
    )
    op.create_table(
        "migrations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("old_line_id", sa.BigInteger(), nullable=False),
        sa.Column("new_line_id", sa.BigInteger(), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("migrated_on", sa.Date(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("plan_fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("tariff_kept_until", sa.Date(), nullable=True),
        sa.Column("commitment_until", sa.Date(), nullable=True),
        sa.Column("handset_subsidy_fen", sa.BigInteger(), nullable=False),
        sa.Column("free_credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("balance_moved_fen", sa.BigInteger(), nullable=False),
        sa.Column("gift", sa.String(length=200), nullable=True),
        sa.Column("forward_until", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migrations")),
        sa.UniqueConstraint(
            "area_code", "idempotency_key", name=op.f("uq_migrations_area_code_idempotency_key")
        ),
        sa.UniqueConstraint(
            "area_code", "old_line_id", name=op.f("uq_migrations_area_code_old_line_id")
        ),
    )
    with op.batch_alter_table("migrations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_migrations_area_code_tariff_kept_until",
            ["area_code", "tariff_kept_until"],
            unique=False,
        )

    op.create_table(
        "port_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_events")),
    )
    with op.batch_alter_table("port_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_port_events_area_code_request_id", ["area_code", "request_id"], unique=False
        )

    op.create_table(
        "port_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("donor_operator", sa.String(length=32), nullable=False),
        sa.Column("donor_network", sa.String(length=32), nullable=False),
        sa.Column("recipient_operator", sa.String(length=32), nullable=False),
        sa.Column("recipient_network", sa.String(length=32), nullable=False),
        sa.Column("rule_set", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("balance_handling", sa.String(length=16), nullable=False),
        sa.Column("auth_code_hash", sa.String(length=64), nullable=True),
        sa.Column("auth_expires_at", sa.DateTime(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("authorised_at", sa.DateTime(), nullable=True),
        sa.Column("validated_at", sa.DateTime(), nullable=True),
        sa.Column("scheduled_for", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("balance_moved_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "state IN ('requested', 'authorised', 'validated', 'scheduled', 'completed', 'cancelled', 'rejected')",
            name=op.f("ck_port_requests_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_requests")),
    )
    with op.batch_alter_table("port_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_port_requests_area_code_number", ["area_code", "number"], unique=False
        )
        batch_op.create_index("ix_port_requests_state", ["state"], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("port_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_port_requests_state")
        batch_op.drop_index("ix_port_requests_area_code_number")

    op.drop_table("port_requests")
    with op.batch_alter_table("port_events", schema=None) as batch_op:
        batch_op.drop_index("ix_port_events_area_code_request_id")

    op.drop_table("port_events")
    with op.batch_alter_table("migrations", schema=None) as batch_op:
        batch_op.drop_index("ix_migrations_area_code_tariff_kept_until")

    op.drop_table("migrations")
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_column("real_name")
    # ### end Alembic commands ###
