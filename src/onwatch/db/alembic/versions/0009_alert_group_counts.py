"""alert group counts appended by ingest (no hot group row under concurrent writers)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_group_counts",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column("firing", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_alert_group_counts_group_id_alert_groups")
        ),
    )
    op.create_index(op.f("ix_alert_group_counts_group_id"), "alert_group_counts", ["group_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_group_counts_group_id"), table_name="alert_group_counts")
    op.drop_table("alert_group_counts")
