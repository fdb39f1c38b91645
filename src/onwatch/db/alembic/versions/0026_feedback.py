"""feedback on alert groups (their comment thread) and the follow-up items it opens

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(20), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("interface", sa.String(20), nullable=False),
        sa.Column("created_at", onwatch.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_alert_feedback_group_id_alert_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_feedback")),
    )
    op.create_index("ix_alert_feedback_group_id", "alert_feedback", ["group_id"])
    op.create_index("ix_alert_feedback_created_at", "alert_feedback", ["created_at"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("alertname", sa.String(500), nullable=False),
        sa.Column("integration_id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", onwatch.db.types.UTCDateTime(), nullable=False),
        sa.Column("closed_by", sa.String(200), nullable=True),
        sa.Column("closed_at", onwatch.db.types.UTCDateTime(), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_follow_ups_group_id_alert_groups")
        ),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["alert_feedback.id"], name=op.f("fk_follow_ups_feedback_id_alert_feedback")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    op.create_index("ix_follow_ups_group_id", "follow_ups", ["group_id"])
    op.create_index("ix_follow_ups_status", "follow_ups", ["status"])


def downgrade() -> None:
    op.drop_table("follow_ups")
    op.drop_table("alert_feedback")
