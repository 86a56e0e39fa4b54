"""cluster_servers and cluster_placements: local networks on other PostgreSQL servers

``sunset cluster add-server URL`` and ``sunset cluster place AREA SERVER`` (PostgreSQL): the
coordinator keeps here which data servers it has and which local network each holds. Empty on a
single server and on every data server.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster_servers",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cluster_servers")),
        sa.UniqueConstraint("block", name=op.f("uq_cluster_servers_block")),
    )
    op.create_table(
        "cluster_placements",
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("server_name", sa.String(length=32), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_name"],
            ["cluster_servers.name"],
            name=op.f("fk_cluster_placements_server_name_cluster_servers"),
        ),
        sa.PrimaryKeyConstraint("area_code", name=op.f("pk_cluster_placements")),
    )


def downgrade() -> None:
    servers = op.get_bind().exec_driver_sql("SELECT COUNT(*) FROM cluster_servers").scalar_one()
    if servers:
        raise RuntimeError(
            f"this database coordinates {servers} data server(s) (cluster_servers): move their"
            " local networks back and remove the cluster before downgrading below 0020"
        )
    op.drop_table("cluster_placements")
    op.drop_table("cluster_servers")
