"""public updates and confidential (security) incidents

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 00:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("security", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("confidential", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("public_withheld_reason", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("last_public_update_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "incident_updates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_updates_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_updates")),
    )
    op.create_index("ix_incident_updates_incident_id_id", "incident_updates", ["incident_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_incident_updates_incident_id_id", table_name="incident_updates")
    op.drop_table("incident_updates")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("last_public_update_at")
        batch.drop_column("public_withheld_reason")
        batch.drop_column("confidential")
        batch.drop_column("security")
