"""statistics: departures by how and where they went; switch-offs and activations in the flows

Each month-end now records, besides the snapshot and the flows, the lines that left by how
(terminated at the customer's request, switched off, migrated, ported out) and where they went
(the new line's or the recipient's operator and network, number kept or not): the regulator's
count is of the network being retired, and a line that left it for CDMA is progress, not a line
still counted on another network. The flows split the switch-off's terminations from the
customers' (``switched_off``) and count the lines that joined the network (``activated``: new
lines and migrations in), so that a month's flows explain the change in remaining lines.

Existing databases are filled as a rerun of every month-end already recorded would fill them,
set-based (one pass over the departed lines, one over the lines for the activations):

- a switch-off is a termination without a request key on or after the plan's switch-off date
  (lines closed at a customer's request before migration 0009 have no key either, but the
  sweep is the only closure on or after that date without one);
- the flows' ``terminated`` keeps the customers' closures only; ``activated`` counts the lines
  activated in each recorded month, rows added where a network only gained lines.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

HOW = "(how = 'terminated' OR how = 'switched_off' OR how = 'migrated' OR how = 'ported_out')"
KEYS = ("area_code", "month", "operator_code", "network_code")
SAME_GROUP = " AND ".join(f"x.{k} = stats_flows.{k}" for k in KEYS)


def _month(column: str) -> str:
    """The YYYY-MM of a date column (SQLite keeps dates as ISO text)."""
    if op.get_bind().dialect.name == "sqlite":
        return f"substr({column}, 1, 7)"
    return f"to_char({column}, 'YYYY-MM')"


# The (local network, month) pairs whose month-end was recorded.
RECORDED = (
    "recorded AS (SELECT area_code, month FROM stats_snapshots"
    " UNION SELECT area_code, month FROM stats_flows)"
)


def _departures() -> str:
    month = _month("l.terminated_on")
    return f"""
    WITH {RECORDED},
    departed AS (
        SELECT l.area_code, {month} AS month, l.operator_code, l.network_code,
            CASE WHEN l.status = 'terminated' AND l.closing_key IS NULL AND EXISTS (
                SELECT 1 FROM retirement_plans r WHERE r.area_code = l.area_code
                AND r.network_code = l.network_code AND r.switched_off <= l.terminated_on
            ) THEN 'switched_off' ELSE l.status END AS how,
            COALESCE(n.operator_code, p.recipient_operator, '') AS to_operator,
            COALESCE(n.network_code, p.recipient_network, '') AS to_network,
            CASE WHEN l.status = 'ported_out' OR n.number = l.number THEN TRUE ELSE FALSE END
                AS number_kept
        FROM lines l
        LEFT JOIN migrations m ON m.area_code = l.area_code AND m.old_line_id = l.id
        LEFT JOIN lines n ON n.id = m.new_line_id
        LEFT JOIN port_requests p ON p.area_code = l.area_code AND p.number = l.number
            AND p.line_id = l.id AND p.state = 'completed'
        WHERE l.terminated_on IS NOT NULL
            AND l.status IN ('terminated', 'migrated', 'ported_out')
    )
    INSERT INTO stats_departures (area_code, month, operator_code, network_code, how,
        to_operator, to_network, number_kept, lines)
    SELECT d.area_code, d.month, d.operator_code, d.network_code, d.how, d.to_operator,
        d.to_network, d.number_kept, COUNT(*)
    FROM departed d JOIN recorded USING (area_code, month)
    GROUP BY d.area_code, d.month, d.operator_code, d.network_code, d.how, d.to_operator,
        d.to_network, d.number_kept
    """


def _arrivals() -> str:
    # Grouped first, filtered after: one pass over the lines, whatever the months recorded.
    month = _month("activated_on")
    return f"""
    CREATE TEMPORARY TABLE arrivals_0014 AS
    WITH {RECORDED},
    activated AS (
        SELECT area_code, {month} AS month, operator_code, network_code, COUNT(*) AS lines
        FROM lines GROUP BY area_code, {month}, operator_code, network_code
    )
    SELECT a.area_code, a.month, a.operator_code, a.network_code, a.lines
    FROM activated a JOIN recorded USING (area_code, month)
    """


SPLIT_SWITCH_OFFS = f"""
UPDATE stats_flows SET
    switched_off = COALESCE((SELECT SUM(x.lines) FROM stats_departures x
        WHERE {SAME_GROUP} AND x.how = 'switched_off'), 0),
    terminated = terminated - COALESCE((SELECT SUM(x.lines) FROM stats_departures x
        WHERE {SAME_GROUP} AND x.how = 'switched_off'), 0)
"""
ADD_ARRIVALS = f"""
UPDATE stats_flows SET activated = COALESCE(
    (SELECT x.lines FROM arrivals_0014 x WHERE {SAME_GROUP}), 0)
"""
FLOWS_OF_ARRIVALS = f"""
INSERT INTO stats_flows (area_code, month, operator_code, network_code, terminated, migrated,
    ported_out, switched_off, activated, refunds, refunded_fen)
SELECT x.area_code, x.month, x.operator_code, x.network_code, 0, 0, 0, 0, x.lines, 0, 0
FROM arrivals_0014 x
WHERE NOT EXISTS (SELECT 1 FROM stats_flows WHERE {SAME_GROUP})
"""


def upgrade() -> None:
    op.create_table(
        "stats_departures",
        sa.Column("area_code", sa.String(length=5), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("operator_code", sa.String(length=32), nullable=False),
        sa.Column("network_code", sa.String(length=32), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("to_operator", sa.String(length=32), nullable=False),
        sa.Column("to_network", sa.String(length=32), nullable=False),
        sa.Column("number_kept", sa.Boolean(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.CheckConstraint(HOW, name=op.f("ck_stats_departures_how")),
        sa.PrimaryKeyConstraint(
            *KEYS, "how", "to_operator", "to_network", "number_kept", name="pk_stats_departures"
        ),
    )
    with op.batch_alter_table("stats_flows") as batch:
        for column in ("switched_off", "activated"):
            batch.add_column(
                sa.Column(column, sa.Integer(), nullable=False, server_default=sa.text("0"))
            )
    bind = op.get_bind()
    bind.exec_driver_sql(_departures())
    bind.exec_driver_sql(SPLIT_SWITCH_OFFS)
    bind.exec_driver_sql(_arrivals())
    try:
        bind.exec_driver_sql(ADD_ARRIVALS)
        bind.exec_driver_sql(FLOWS_OF_ARRIVALS)
    finally:
        bind.exec_driver_sql("DROP TABLE arrivals_0014")


def downgrade() -> None:
    # Before 0016 a switch-off counted as terminated, and a month-end wrote no flow row for a
    # network that only gained lines.
    op.execute("UPDATE stats_flows SET terminated = terminated + switched_off")
    op.execute(
        "DELETE FROM stats_flows WHERE terminated = 0 AND migrated = 0 AND ported_out = 0"
        " AND refunds = 0"
    )
    with op.batch_alter_table("stats_flows") as batch:
        batch.drop_column("activated")
        batch.drop_column("switched_off")
    op.drop_table("stats_departures")
