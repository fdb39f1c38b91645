"""paging: integrations, alerts, groups, escalations, maintenance, heartbeats

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 21:54:49.532919
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import onwatch.db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_app_secrets")),
    )
    op.create_table(
        "heartbeat_state",
        sa.Column("heartbeat_id", sa.String(length=64), nullable=False),
        sa.Column("last_ping_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expected_by", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("heartbeat_id", name=op.f("pk_heartbeat_state")),
    )
    op.create_table(
        "integrations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column(
            "group_by",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_integrations_key_hash")),
    )
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_windows")),
    )
    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_maintenance_windows_service_id_ends_at", ["service_id", "ends_at"], unique=False
        )

    op.create_table(
        "alert_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_key", sa.String(length=200), nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        sa.Column("firing_count", sa.Integer(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column(
            "flap_history",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("flapping", sa.Boolean(), nullable=False),
        sa.Column("in_maintenance", sa.Boolean(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("created_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_alert_groups_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_groups")),
    )
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_groups_group_key_resolved_at", ["group_key", "resolved_at"], unique=False
        )
        batch_op.create_index("ix_alert_groups_status", ["status"], unique=False)
        batch_op.create_index(
            "uq_alert_groups_open_key",
            ["group_key"],
            unique=True,
            sqlite_where=sa.text("status != 'resolved'"),
            postgresql_where=sa.text("status != 'resolved'"),
        )

    op.create_table(
        "alert_group_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("interface", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_alert_group_events_group_id_alert_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_group_events")),
    )
    with op.batch_alter_table("alert_group_events", schema=None) as batch_op:
        batch_op.create_index("ix_alert_group_events_group_id_id", ["group_id", "id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.String(length=1024), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column(
            "labels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("first_seen", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_alerts_group_id_alert_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("integration_id", "dedup_key", name="uq_alerts_integration_id_dedup_key"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_group_id"), ["group_id"], unique=False)

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column(
            "policy",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_escalations_group_id_alert_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalations_group_id"), ["group_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correlation", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_outbox_correlation", ["correlation"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_correlation")
        batch_op.drop_column("correlation")

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalations_group_id"))

    op.drop_table("escalations")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_group_id"))

    op.drop_table("alerts")
    with op.batch_alter_table("alert_group_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_group_events_group_id_id")

    op.drop_table("alert_group_events")
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_alert_groups_open_key",
            sqlite_where=sa.text("status != 'resolved'"),
            postgresql_where=sa.text("status != 'resolved'"),
        )
        batch_op.drop_index("ix_alert_groups_status")
        batch_op.drop_index("ix_alert_groups_group_key_resolved_at")

    op.drop_table("alert_groups")
    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.drop_index("ix_maintenance_windows_service_id_ends_at")

    op.drop_table("maintenance_windows")
    op.drop_table("integrations")
    op.drop_table("heartbeat_state")
    op.drop_table("app_secrets")
