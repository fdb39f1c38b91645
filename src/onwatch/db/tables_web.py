"""The web UI's accounts (passwords, sessions) and the public status page's subscribers.

Registered on the MetaData of onwatch.db.tables (which imports this module).
"""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.metadata import metadata
from onwatch.db.types import UTCDateTime

# local passwords (argon2id hashes) of people who sign in to the web UI
web_passwords = sa.Table(
    "web_passwords",
    metadata,
    sa.Column("person_id", sa.String(64), sa.ForeignKey("people.id"), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# server-side sessions: the cookie holds a random secret, the table its hash, so signing out (or
# revoking) ends the session on every replica at once
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("person_id", sa.String(64), sa.ForeignKey("people.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Index("ix_web_sessions_person_id", "person_id"),
)

# status page subscribers: email (double opt-in: confirmed_at set by the confirm link) or webhook
status_subscribers = sa.Table(
    "status_subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),  # "email" or "webhook"
    sa.Column("address", sa.String(1024), nullable=False),
    sa.Column("token", sa.String(64), nullable=False, unique=True),  # confirm + unsubscribe links
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("confirmed_at", UTCDateTime, nullable=True),
    sa.Column("unsubscribed_at", UTCDateTime, nullable=True),
    sa.Index("ix_status_subscribers_kind_address", "kind", "address"),
)
