"""post-incident reviews, near misses and corrective actions; incidents.review_completed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
UTC = onwatch.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    # a plain ADD COLUMN on both databases: SQLite's batch mode would copy and drop `incidents`,
    # which the foreign keys of its timeline, roles and updates refuse once there are rows
    op.add_column(
        "incidents", sa.Column("review_completed", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("conductor_id", sa.String(length=64), nullable=True),
        sa.Column("services", JSON, nullable=False),
        sa.Column("sections", JSON, nullable=False),
        sa.Column("prefill", JSON, nullable=False),
        sa.Column("marks", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("started_at", UTC, nullable=True),
        sa.Column("submitted_at", UTC, nullable=True),
        sa.Column("completed_at", UTC, nullable=True),
        sa.Column("completed_by", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("final_severity", sa.SmallInteger(), nullable=True),
        sa.Column("no_actions_reason", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.String(length=64), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_reviews_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], name=op.f("fk_reviews_owner_id_people")),
        sa.ForeignKeyConstraint(["conductor_id"], ["people.id"], name=op.f("fk_reviews_conductor_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_reviews_incident_id")),
    )
    op.create_index("ix_reviews_status_due_at", "reviews", ["status", "due_at"])
    op.create_index("ix_reviews_created_at", "reviews", ["created_at"])
    op.create_table(
        "review_versions",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sections", JSON, nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_versions_review_id_reviews")
        ),
        sa.PrimaryKeyConstraint("review_id", "version", name=op.f("pk_review_versions")),
    )
    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("interface", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_events_review_id_reviews")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
    )
    op.create_index("ix_review_events_review_id_id", "review_events", ["review_id", "id"])
    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("external_url", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_corrective_actions_review_id_reviews")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_corrective_actions_owner_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
    )
    op.create_index("ix_corrective_actions_review_id", "corrective_actions", ["review_id"])
    op.create_index("ix_corrective_actions_status_due_at", "corrective_actions", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("corrective_actions")
    op.drop_table("review_events")
    op.drop_table("review_versions")
    op.drop_table("reviews")
    op.execute("ALTER TABLE incidents DROP COLUMN review_completed")  # SQLite >= 3.35, PostgreSQL
