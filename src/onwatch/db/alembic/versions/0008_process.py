"""process automation: role pages and working documents

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-29 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "role_pages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=64), nullable=True),
        sa.Column("created_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("engaged_by", sa.String(length=64), nullable=True),
        sa.Column("engaged_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_role_pages_group_id_alert_groups")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_role_pages_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(["contact"], ["people.id"], name=op.f("fk_role_pages_contact_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_pages")),
        sa.UniqueConstraint("group_id", name=op.f("uq_role_pages_group_id")),
    )
    op.create_index(op.f("ix_role_pages_incident_id"), "role_pages", ["incident_id"])
    op.create_table(
        "incident_documents",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_documents_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("incident_id", "version", name=op.f("pk_incident_documents")),
    )


def downgrade() -> None:
    op.drop_table("incident_documents")
    op.drop_index(op.f("ix_role_pages_incident_id"), table_name="role_pages")
    op.drop_table("role_pages")
