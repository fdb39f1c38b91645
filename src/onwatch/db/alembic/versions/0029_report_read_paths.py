"""indexes the reports read by: incidents by when they were declared, a group's alerts in order

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 00:35:00

Every incident report reads a range of incidents by `declared_at`, and the load report counts the
incidents declared during each EOC shift: without an index SQLite scanned every incident once per
shift (the year's load report: 30 s). The noise report names each group's rule from its first
alert: with (group_id, id) PostgreSQL reads that one alert instead of sorting the group's alerts
(the index replaces the one on group_id alone, which it serves as well).
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incidents_declared_at", "incidents", ["declared_at"])
    op.create_index("ix_alerts_group_id_id", "alerts", ["group_id", "id"])
    op.drop_index("ix_alerts_group_id", table_name="alerts")


def downgrade() -> None:
    op.create_index("ix_alerts_group_id", "alerts", ["group_id"])
    op.drop_index("ix_alerts_group_id_id", table_name="alerts")
    op.drop_index("ix_incidents_declared_at", table_name="incidents")
