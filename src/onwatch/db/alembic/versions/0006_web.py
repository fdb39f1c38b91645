"""web UI sessions and passwords, status page subscribers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_passwords",
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("updated_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_web_passwords_person_id_people")),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_web_passwords")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_web_sessions_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_web_sessions_secret_hash")),
    )
    op.create_index("ix_web_sessions_person_id", "web_sessions", ["person_id"])
    op.create_table(
        "status_subscribers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=1024), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_subscribers")),
        sa.UniqueConstraint("token", name=op.f("uq_status_subscribers_token")),
    )
    op.create_index("ix_status_subscribers_kind_address", "status_subscribers", ["kind", "address"])


def downgrade() -> None:
    op.drop_index("ix_status_subscribers_kind_address", table_name="status_subscribers")
    op.drop_table("status_subscribers")
    op.drop_index("ix_web_sessions_person_id", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("web_passwords")
