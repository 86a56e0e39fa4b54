"""statistics: month-end snapshots, flows, official series

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The ministry's national PHS series ships with the package; every database starts with it.
SHIPPED = Path(__file__).resolve().parents[2] / "stats" / "data" / "phs_china_national.csv"


def upgrade() -> None:
    op.create_table(
        "stats_snapshots",
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("operator_code", sa.String(length=32), nullable=False),
        sa.Column("network_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "area_code",
            "month",
            "operator_code",
            "network_code",
            "status",
            name=op.f("pk_stats_snapshots"),
        ),
    )
    op.create_table(
        "stats_flows",
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("operator_code", sa.String(length=32), nullable=False),
        sa.Column("network_code", sa.String(length=32), nullable=False),
        sa.Column("terminated", sa.Integer(), nullable=False),
        sa.Column("migrated", sa.Integer(), nullable=False),
        sa.Column("ported_out", sa.Integer(), nullable=False),
        sa.Column("refunds", sa.Integer(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "area_code", "month", "operator_code", "network_code", name=op.f("pk_stats_flows")
        ),
    )
    official = op.create_table(
        "official_series",
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("value_10k", sa.Float(), nullable=False),
        sa.Column("quoted", sa.String(length=1), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.CheckConstraint("quoted IN ('Q', 'D')", name=op.f("ck_official_series_quoted")),
        sa.PrimaryKeyConstraint("series", "month", name=op.f("pk_official_series")),
    )
    with SHIPPED.open(encoding="utf-8", newline="") as handle:
        rows = [
            {
                "series": "phs:national",
                "month": row["month_end"],
                "value_10k": float(row["subscribers_10k"]),
                "quoted": row["quoted"],
                "source": row["source"],
            }
            for row in csv.DictReader(handle)
        ]
    op.bulk_insert(official, rows)


def downgrade() -> None:
    op.drop_table("official_series")
    op.drop_table("stats_flows")
    op.drop_table("stats_snapshots")
