"""on-call: overrides, calendar feeds, handoff notes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 21:44:51.966987
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_calendar_feeds_secret_hash")),
    )
    op.create_table(
        "handoff_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["people.id"], name=op.f("fk_handoff_notes_author_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_notes")),
    )
    with op.batch_alter_table("handoff_notes", schema=None) as batch_op:
        batch_op.create_index("ix_handoff_notes_role_created_at", ["role", "created_at"], unique=False)

    op.create_table(
        "schedule_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("schedule_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_schedule_overrides_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_overrides")),
    )
    with op.batch_alter_table("schedule_overrides", schema=None) as batch_op:
        batch_op.create_index(
            "ix_schedule_overrides_schedule_id_ends_at", ["schedule_id", "ends_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("schedule_overrides", schema=None) as batch_op:
        batch_op.drop_index("ix_schedule_overrides_schedule_id_ends_at")

    op.drop_table("schedule_overrides")
    with op.batch_alter_table("handoff_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_handoff_notes_role_created_at")

    op.drop_table("handoff_notes")
    op.drop_table("calendar_feeds")
