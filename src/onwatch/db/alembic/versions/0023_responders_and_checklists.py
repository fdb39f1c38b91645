"""responders beyond the four roles, and ticks of the roles' checklists

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_responders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("expertise", sa.String(64), nullable=True),
        sa.Column("paged", onwatch.db.types.JSONType, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("asked_at", onwatch.db.types.UTCDateTime(), nullable=False),
        sa.Column("joined_by", sa.String(64), nullable=True),
        sa.Column("joined_at", onwatch.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_responders_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_incident_responders_group_id_alert_groups")
        ),
        sa.ForeignKeyConstraint(
            ["joined_by"], ["people.id"], name=op.f("fk_incident_responders_joined_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_responders")),
        sa.UniqueConstraint("group_id", name=op.f("uq_incident_responders_group_id")),
    )
    op.create_index(
        op.f("ix_incident_responders_incident_id"), "incident_responders", ["incident_id"], unique=False
    )
    op.create_table(
        "checklist_ticks",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("ticked_by", sa.String(64), nullable=False),
        sa.Column("ticked_at", onwatch.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_checklist_ticks_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["ticked_by"], ["people.id"], name=op.f("fk_checklist_ticks_ticked_by_people")
        ),
        sa.PrimaryKeyConstraint("incident_id", "role", "item", name=op.f("pk_checklist_ticks")),
    )


def downgrade() -> None:
    op.drop_table("checklist_ticks")
    op.drop_index(op.f("ix_incident_responders_incident_id"), table_name="incident_responders")
    op.drop_table("incident_responders")
