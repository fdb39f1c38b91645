"""SQLAlchemy Core tables. The alembic migrations are the source of truth for the schema;
these mirror them for queries (a test checks that the two agree)."""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.metadata import metadata
from onwatch.db.tables_changes import changes
from onwatch.db.tables_demo import demo_inbox
from onwatch.db.tables_feedback import alert_feedback, follow_ups
from onwatch.db.tables_incidents import checklist_ticks, incident_responders
from onwatch.db.tables_notify import inbound_callbacks
from onwatch.db.tables_reviews import corrective_actions, review_events, review_versions, reviews
from onwatch.db.tables_runbooks import runbook_mirror, runbook_pages
from onwatch.db.tables_server import server_facts
from onwatch.db.tables_web import status_subscribers, web_passwords, web_sessions
from onwatch.db.types import JSONType, UTCDateTime

__all__ = [  # the slices' own table modules, on the same MetaData
    "alert_feedback", "changes", "checklist_ticks", "corrective_actions", "demo_inbox", "follow_ups",
    "inbound_callbacks", "incident_responders", "metadata", "review_events", "review_versions", "reviews",
    "runbook_mirror", "runbook_pages", "server_facts", "status_subscribers", "web_passwords", "web_sessions",
]  # fmt: skip


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
    sa.Column("monitoring_since", UTCDateTime, nullable=True),
    sa.Column("resolved_at", UTCDateTime, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("security", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("confidential", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("public_withheld_reason", sa.Text, nullable=True),
    sa.Column("last_public_update_at", UTCDateTime, nullable=True),
    # its post-incident review is completed (label Incident::Review-Completed; the reviews slice)
    sa.Column("review_completed", sa.Boolean, nullable=False, server_default=sa.false()),
    # what the status page calls it (None: "Investigating issues with <components>")
    sa.Column("public_title", sa.String(200), nullable=True),
    sa.Index("ix_incidents_state", "state"),
    sa.Index("ix_incidents_declared_at", "declared_at"),  # the reports' incidents in a range
)

incident_updates = sa.Table(
    "incident_updates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Index("ix_incident_updates_incident_id_id", "incident_id", "id"),
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

# One timeline for incidents and alert groups (kernel/timeline.py): an event names its incident,
# its alert group, or both; an incident's timeline also shows its linked groups' pages and acks.
timeline_events = sa.Table(
    "timeline_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("alert_groups.id"), nullable=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("interface", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("data", JSONType, nullable=False),
    # facts rules read: the role a page was for, and who was paged
    sa.Column("role", sa.String(20), nullable=True),
    sa.Column("person", sa.String(64), nullable=True),
    sa.Index("ix_timeline_events_incident_id_id", "incident_id", "id"),
    sa.Index("ix_timeline_events_group_id_id", "group_id", "id"),
    sa.Index("ix_timeline_events_kind_at", "kind", "at"),  # the reports' pages in a range
)

role_pages = sa.Table(
    "role_pages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # the alert group carrying the page: acknowledging it engages `role` on the incident
    sa.Column("group_id", sa.Integer, sa.ForeignKey("alert_groups.id"), nullable=False, unique=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=True, index=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    # a report's reporter: told when the EOC engages
    sa.Column("contact", sa.String(64), sa.ForeignKey("people.id"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("engaged_by", sa.String(64), nullable=True),
    sa.Column("engaged_at", UTCDateTime, nullable=True),
)

incident_documents = sa.Table(
    "incident_documents",
    metadata,
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
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

# ---- the engine package's durable timers and outbox --------------------------------------

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
    # why its handler last failed, and when it gave up (engine/worker.py): a dead timer is kept for
    # an admin to see and retry, never claimed again on its own
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("dead_at", UTCDateTime, nullable=True),
    # the claim (`due_at <= now AND dead_at IS NULL ORDER BY due_at`) reads live timers only
    sa.Index(
        "ix_timers_due_at",
        "due_at",
        postgresql_where=sa.text("dead_at IS NULL"),
        sqlite_where=sa.text("dead_at IS NULL"),
    ),
    sa.Index(
        "ix_timers_dead_at",
        "dead_at",
        postgresql_where=sa.text("dead_at IS NOT NULL"),
        sqlite_where=sa.text("dead_at IS NOT NULL"),
    ),
    # ids are never reused (SQLite would hand a deleted max id to the next timer): a failed timer
    # is written back under its own id after the pass deleted it
    sqlite_autoincrement=True,
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
    sa.Column("correlation", sa.String(64), nullable=True),  # e.g. "group:12", to cancel on acknowledge
    sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    sa.Index("ix_outbox_correlation", "correlation"),
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

# ---- alerts and paging ----------------------------------------------------------------------

integrations = sa.Table(
    "integrations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # alertmanager | pagerduty | generic | heartbeat
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("service_id", sa.String(64), nullable=False),
    sa.Column("policy_id", sa.String(64), nullable=False),
    sa.Column("group_by", JSONType, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)

alert_groups = sa.Table(
    "alert_groups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("group_key", sa.String(200), nullable=False),
    sa.Column("integration_id", sa.String(64), nullable=False),
    sa.Column("service_id", sa.String(64), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("alert_count", sa.Integer, nullable=False),
    sa.Column("firing_count", sa.Integer, nullable=False),
    sa.Column("event_count", sa.Integer, nullable=False),
    sa.Column("flap_history", JSONType, nullable=False),
    sa.Column("flapping", sa.Boolean, nullable=False),
    sa.Column("in_maintenance", sa.Boolean, nullable=False),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("acknowledged_at", UTCDateTime, nullable=True),
    sa.Column("acknowledged_by", sa.String(200), nullable=True),
    sa.Column("resolved_at", UTCDateTime, nullable=True),
    sa.Column("resolved_by", sa.String(200), nullable=True),
    sa.Index("ix_alert_groups_status", "status"),
    sa.Index("ix_alert_groups_incident_id", "incident_id"),  # an incident's timeline reads its groups
    # one open group per key: concurrent ingest on several replicas cannot open two
    sa.Index(
        "uq_alert_groups_open_key",
        "group_key",
        unique=True,
        sqlite_where=sa.text("status != 'resolved'"),
        postgresql_where=sa.text("status != 'resolved'"),
    ),
    sa.Index("ix_alert_groups_group_key_resolved_at", "group_key", "resolved_at"),
    sa.Index("ix_alert_groups_created_at", "created_at"),  # the reports' groups in a range
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("integration_id", sa.String(64), nullable=False),
    sa.Column("dedup_key", sa.String(255), nullable=False),
    # an alert_groups id, unchecked: see migration 0010 (the check cost a query per ingested alert)
    sa.Column("group_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("summary", sa.String(1024), nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("source", sa.String(255), nullable=False),
    sa.Column("labels", JSONType, nullable=False),
    sa.Column("details", JSONType, nullable=False),
    sa.Column("event_count", sa.Integer, nullable=False),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("integration_id", "dedup_key", name="uq_alerts_integration_id_dedup_key"),
    sa.Index("ix_alerts_group_id_id", "group_id", "id"),  # a group's alerts, in order (its first: the rule)
)

escalations = sa.Table(
    "escalations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("alert_groups.id"), nullable=False, index=True),
    sa.Column("policy", JSONType, nullable=False),  # the snapshot taken when it started
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # active | acknowledged | resolved | exhausted
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("next_at", UTCDateTime, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Counts added to alert groups by ingest, not yet folded into the group row. Ingest appends here
# instead of updating the group: many writers joining one busy group would otherwise queue on its
# row lock. Readers add these to the group's counters; locking a group for update, and the worker
# every few seconds, fold them into the row (store.alert_counts).
alert_group_counts = sa.Table(
    "alert_group_counts",
    metadata,
    sa.Column("group_id", sa.Integer, nullable=False, index=True),  # unchecked, as alerts.group_id
    sa.Column("alerts", sa.Integer, nullable=False),
    sa.Column("firing", sa.Integer, nullable=False),
    sa.Column("events", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

maintenance_windows = sa.Table(
    "maintenance_windows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("service_id", sa.String(64), nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_maintenance_windows_service_id_ends_at", "service_id", "ends_at"),
)

heartbeat_state = sa.Table(
    "heartbeat_state",
    metadata,
    sa.Column("heartbeat_id", sa.String(64), primary_key=True),
    sa.Column("last_ping_at", UTCDateTime, nullable=True),
    sa.Column("expected_by", UTCDateTime, nullable=True),
)

app_secrets = sa.Table(
    "app_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

# ---- SLO detection --------------------------------------------------------------------------

slo_samples = sa.Table(
    "slo_samples",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("service_id", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("requests", sa.Float, nullable=False),
    sa.Column("errors", sa.Float, nullable=False),
    sa.Column("satisfied", sa.Float, nullable=False),
    sa.Column("tolerated", sa.Float, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Index("ix_slo_samples_service_id_at", "service_id", "at"),
)

slo_state = sa.Table(
    "slo_state",
    metadata,
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("since", UTCDateTime, nullable=True),
    sa.Column("known_state", sa.String(16), nullable=False),
    sa.Column("degraded_since", UTCDateTime, nullable=True),
    sa.Column("outage_since", UTCDateTime, nullable=True),
    sa.Column("lower_since", UTCDateTime, nullable=True),
    sa.Column("unknown_since", UTCDateTime, nullable=True),
    sa.Column("unknown_paged", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("last_evaluated", UTCDateTime, nullable=True),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    # alert changes so far; the alert sync message carries it so a stale one is skipped
    sa.Column("seq", sa.Integer, nullable=False, server_default="0"),
    sa.Column("alerts", JSONType, nullable=False),  # SLO alerts that should be firing
    sa.Column("alert", JSONType, nullable=False),  # what they say: values, thresholds, suggestion
    sa.Column("snapshot", JSONType, nullable=False),  # the last evaluation, per window
)
