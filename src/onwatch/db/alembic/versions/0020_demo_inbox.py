"""demo inbox: what `make run` would have mailed or posted, shown at /demo/inbox

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demo_inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("at", onwatch.db.types.UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(1024), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("payload", onwatch.db.types.JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_inbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_demo_inbox_idempotency_key")),
    )


def downgrade() -> None:
    op.drop_table("demo_inbox")
