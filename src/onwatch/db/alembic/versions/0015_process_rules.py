"""process rules: when an incident entered Monitoring (a Partial Service Disruption resolves only
after more than `process.partial_monitoring` of it)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("monitoring_since", onwatch.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    # incidents monitored now: count from when they were mitigated (the closest fact we have)
    op.execute("UPDATE incidents SET monitoring_since = mitigated_at WHERE state = 'monitoring'")


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+): batch mode would rebuild `incidents`, which every
    # incident table references
    op.drop_column("incidents", "monitoring_since")
