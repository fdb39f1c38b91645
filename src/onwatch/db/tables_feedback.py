"""The reports slice's feedback tables: what people said of each page (`alert_feedback`, with the
group's comment thread) and the follow-up items that "flappy" and "incorrect" open against the
alert rule (`follow_ups`). Registered on the MetaData of onwatch.db.tables (which imports this
module), so the migration check and `onwatch db copy` cover them."""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.metadata import metadata
from onwatch.db.types import UTCDateTime

alert_feedback = sa.Table(
    "alert_feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("alert_groups.id"), nullable=False),
    # actionable | not_actionable | incorrect | flappy; NULL: a comment on the thread alone
    sa.Column("choice", sa.String(20), nullable=True),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("interface", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_alert_feedback_group_id", "group_id"),
    sa.Index("ix_alert_feedback_created_at", "created_at"),
)

follow_ups = sa.Table(
    "follow_ups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("alert_groups.id"), nullable=False),
    sa.Column("feedback_id", sa.Integer, sa.ForeignKey("alert_feedback.id"), nullable=True),
    sa.Column("reason", sa.String(20), nullable=False),  # the feedback choice: incorrect | flappy
    # the alert rule it is about: the alerts' alertname (or the group's title) and the integration
    sa.Column("alertname", sa.String(500), nullable=False),
    sa.Column("integration_id", sa.String(64), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("owner_id", sa.String(64), nullable=True),  # the EOC when it was opened (None: nobody)
    sa.Column("status", sa.String(20), nullable=False),  # open | closed
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("closed_by", sa.String(200), nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("close_note", sa.Text, nullable=False),
    sa.Index("ix_follow_ups_group_id", "group_id"),
    sa.Index("ix_follow_ups_status", "status"),
)
