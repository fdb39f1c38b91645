"""The demo inbox (`make run`, ONWATCH_DEMO=1): every email and Slack message onwatch would send,
kept here and shown at /demo/inbox, so a new user sees pages, announcements and reminders arrive
without an SMTP server or Slack.

Registered on the MetaData of onwatch.db.tables (which imports this module), so the migration
check and `onwatch db copy` cover it.
"""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.metadata import metadata
from onwatch.db.types import JSONType, UTCDateTime

demo_inbox = sa.Table(
    "demo_inbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("idempotency_key", sa.String(255), nullable=False, unique=True),  # a redelivery: one row
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),  # what it would have gone by: email, slack
    sa.Column("recipient", sa.String(1024), nullable=False),  # the address or channel it was for
    sa.Column("kind", sa.String(40), nullable=False),  # page, announcement, reminder, notice, test
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("payload", JSONType, nullable=False),  # the notification (onwatch.notify.base)
)
