"""server facts: what `onwatch serve` tells the CLI and workers on its database (its public URL)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_facts",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(2048), nullable=False),
        sa.Column("updated_at", onwatch.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_facts")),
    )


def downgrade() -> None:
    op.drop_table("server_facts")
