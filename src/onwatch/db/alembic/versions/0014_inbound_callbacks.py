"""inbound callbacks: the replay guard of Telegram, Twilio and Mattermost callbacks

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_callbacks",
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("received_at", onwatch.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "ref", name=op.f("pk_inbound_callbacks")),
    )
    op.create_index("ix_inbound_callbacks_received_at", "inbound_callbacks", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_callbacks_received_at", table_name="inbound_callbacks")
    op.drop_table("inbound_callbacks")
