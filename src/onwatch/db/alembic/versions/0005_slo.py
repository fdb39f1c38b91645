"""slo: pushed samples and per-service detection state

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import onwatch.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _instant(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, onwatch.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "slo_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        _instant("at", False),
        sa.Column("requests", sa.Float(), nullable=False),
        sa.Column("errors", sa.Float(), nullable=False),
        sa.Column("satisfied", sa.Float(), nullable=False),
        sa.Column("tolerated", sa.Float(), nullable=False),
        _instant("received_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slo_samples")),
    )
    with op.batch_alter_table("slo_samples", schema=None) as batch_op:
        batch_op.create_index("ix_slo_samples_service_id_at", ["service_id", "at"], unique=False)
    op.create_table(
        "slo_state",
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _instant("since"),
        sa.Column("known_state", sa.String(length=16), nullable=False),
        _instant("degraded_since"),
        _instant("outage_since"),
        _instant("lower_since"),
        _instant("unknown_since"),
        sa.Column("unknown_paged", sa.Boolean(), server_default=sa.false(), nullable=False),
        _instant("last_evaluated"),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("alerts", _JSON, nullable=False),
        sa.Column("alert", _JSON, nullable=False),
        sa.Column("snapshot", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_slo_state")),
    )


def downgrade() -> None:
    op.drop_table("slo_state")
    with op.batch_alter_table("slo_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_slo_samples_service_id_at")
    op.drop_table("slo_samples")
