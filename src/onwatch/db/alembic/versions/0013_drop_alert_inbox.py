"""drop the alert inbox: every alert is applied before its request is answered

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # bodies a server accepted and no one applied (it died, or the applier marked them failed):
    # refuse to lose them silently; `onwatch migrate` stops here until someone looks
    waiting = bind.execute(sa.text("SELECT count(*) FROM alert_inbox")).scalar_one()
    if waiting:
        raise RuntimeError(
            f"alert_inbox still holds {waiting} accepted request bodies: run an onwatch worker of "
            "the previous version until it is empty (rows with `failed` set must be looked at and "
            "deleted by hand), then migrate again"
        )
    op.drop_index("ix_alert_inbox_integration_id_id", table_name="alert_inbox")
    op.drop_table("alert_inbox")


def downgrade() -> None:
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
