"""alert payloads accepted durably before they are applied (alert_inbox)

The Alertmanager route on PostgreSQL answers once the request body is committed here, and the
alerts are grouped and paged from it right after, in the transaction that deletes the row. Bodies
are stored uncompressed (STORAGE EXTERNAL): they live for milliseconds, and compressing them cost
more CPU than their bytes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_inbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=True),
        sa.Column("failed", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_inbox")),
    )
    op.create_index("ix_alert_inbox_integration_id_id", "alert_inbox", ["integration_id", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE alert_inbox ALTER COLUMN body SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_index("ix_alert_inbox_integration_id_id", table_name="alert_inbox")
    op.drop_table("alert_inbox")
