"""Tables of the delivery channels' answers: the inbound callbacks already acted on (replay guard).

Registered on the MetaData of onwatch.db.tables (which imports this module), so the migration
check and `onwatch db copy` cover them.
"""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.metadata import metadata
from onwatch.db.types import UTCDateTime

# one row per callback a service sent (Telegram update, Twilio message or call answer, Mattermost
# trigger): a replayed or redelivered callback finds its row and changes nothing
inbound_callbacks = sa.Table(
    "inbound_callbacks",
    metadata,
    sa.Column("source", sa.String(20), primary_key=True),  # "telegram", "twilio-sms", ...
    sa.Column("ref", sa.String(200), primary_key=True),  # the service's id of the callback
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Index("ix_inbound_callbacks_received_at", "received_at"),
)
