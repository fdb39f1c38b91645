"""indexes the reports read by: pages (and flaps) by time, alert groups by when they opened

The reports count a range's pages (`paged` timeline events) and alert groups; without these every
report, and the dashboard's 7-day strip, read the whole timeline and every group ever opened.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_timeline_events_kind_at", "timeline_events", ["kind", "at"])
    op.create_index("ix_alert_groups_created_at", "alert_groups", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_groups_created_at", table_name="alert_groups")
    op.drop_index("ix_timeline_events_kind_at", table_name="timeline_events")
