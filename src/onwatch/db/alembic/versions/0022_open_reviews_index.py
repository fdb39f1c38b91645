"""the reviews not completed, by id: the overdue list walks them newest first

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_reviews_open_id",
        "reviews",
        ["id"],
        postgresql_where=sa.text("status != 'completed'"),
        sqlite_where=sa.text("status != 'completed'"),
    )


def downgrade() -> None:
    op.drop_index("ix_reviews_open_id", table_name="reviews")
