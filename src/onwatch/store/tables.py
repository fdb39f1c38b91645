"""SQLAlchemy Core tables. The alembic migrations are the source of truth for the schema;
these mirror them for queries (a test checks that the two agree)."""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.store.types import JSONType, UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# ---- configuration-as-code entities ---------------------------------------------------------

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("contact_methods", JSONType, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("members", JSONType, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)

services = sa.Table(
    "services",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("slo", JSONType, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)

channels = sa.Table(
    "channels",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("spec", JSONType, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)

config_revisions = sa.Table(
    "config_revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("applied_at", UTCDateTime, nullable=False),
    sa.Column("applied_by", sa.String(200), nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("document", JSONType, nullable=False),
)

# ---- incidents ------------------------------------------------------------------------------

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("severity", sa.SmallInteger, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("declared_by", sa.String(64), sa.ForeignKey("people.id"), nullable=False),
    sa.Column("declared_at", UTCDateTime, nullable=False),
    sa.Column("owner_id", sa.String(64), sa.ForeignKey("people.id"), nullable=False),
    sa.Column("owner_role", sa.String(20), nullable=True),
    sa.Column("imoc_required", sa.Boolean, nullable=False),
    sa.Column("review_requested", sa.Boolean, nullable=False),
    sa.Column("mitigated_at", UTCDateTime, nullable=True),
    sa.Column("resolved_at", UTCDateTime, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_incidents_state", "state"),
)

incident_services = sa.Table(
    "incident_services",
    metadata,
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), primary_key=True),
    sa.Column("service_id", sa.String(64), sa.ForeignKey("services.id"), primary_key=True),
)

incident_roles = sa.Table(
    "incident_roles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False, index=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("person_id", sa.String(64), sa.ForeignKey("people.id"), nullable=False),
    sa.Column("assigned_at", UTCDateTime, nullable=False),
    sa.Column("assigned_by", sa.String(200), nullable=False),
    sa.Column("engaged_at", UTCDateTime, nullable=True),
    sa.Column("renounced_at", UTCDateTime, nullable=True),
)

timeline_events = sa.Table(
    "timeline_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("interface", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("data", JSONType, nullable=False),
    sa.Index("ix_timeline_events_incident_id_id", "incident_id", "id"),
)

# ---- security -------------------------------------------------------------------------------

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("person_id", sa.String(64), sa.ForeignKey("people.id"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

# ---- engine: durable timers and the outbox (filled by the paging engine) --------------------

timers = sa.Table(
    "timers",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("payload", JSONType, nullable=False),
    sa.Column("dedup_key", sa.String(255), nullable=True, unique=True),
    sa.Column("claimed_until", UTCDateTime, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_timers_due_at", "due_at"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("idempotency_key", sa.String(255), nullable=False, unique=True),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("target", JSONType, nullable=False),
    sa.Column("payload", JSONType, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("claimed_until", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)

# ---- on-call --------------------------------------------------------------------------------

schedule_overrides = sa.Table(
    "schedule_overrides",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("schedule_id", sa.String(64), nullable=False),
    sa.Column("person_id", sa.String(64), sa.ForeignKey("people.id"), nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_schedule_overrides_schedule_id_ends_at", "schedule_id", "ends_at"),
)

calendar_feeds = sa.Table(
    "calendar_feeds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),  # "schedule" or "person"
    sa.Column("target_id", sa.String(64), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

handoff_notes = sa.Table(
    "handoff_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("author_id", sa.String(64), sa.ForeignKey("people.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_handoff_notes_role_created_at", "role", "created_at"),
)
