"""Tables of the changes slice: deploys, config changes and feature flags reported by CI/CD or
PagerDuty's Change Events API, shown as "recent changes" next to alert groups and incidents.

Registered on the MetaData of onwatch.db.tables (which imports this module), so the migration check
and `onwatch db copy` cover it. Full-text search over `summary` and `source` is the database's own
(migration 0022, onwatch.db.search).
"""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.metadata import metadata
from onwatch.db.types import JSONType, UTCDateTime

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("service_id", sa.String(64), nullable=False),
    # when the change happened (the sender's timestamp), and when onwatch heard of it
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("summary", sa.String(1024), nullable=False),
    sa.Column("source", sa.String(255), nullable=False),
    # [{"href": ..., "text": ...}]
    sa.Column("links", JSONType, nullable=False),
    sa.Column("details", JSONType, nullable=True),
    # the integration whose routing key sent it (Change Events API), else the API token's person
    sa.Column("integration_id", sa.String(64), nullable=True),
    sa.Column("reported_by", sa.String(64), nullable=True),
    sa.Index("ix_changes_service_id_at", "service_id", "at"),
)
