"""dead timers: a timer whose handler keeps failing is kept (last_error, dead_at), never dropped

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_timers_due_at", table_name="timers")
    # on SQLite the table is rebuilt with AUTOINCREMENT: a failed timer goes back under its own id,
    # which a plain rowid table could have handed to a timer scheduled meanwhile
    with op.batch_alter_table(
        "timers", recreate="always" if sqlite else "auto", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("dead_at", onwatch.db.types.UTCDateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_timers_due_at",
        "timers",
        ["due_at"],
        postgresql_where=sa.text("dead_at IS NULL"),
        sqlite_where=sa.text("dead_at IS NULL"),
    )
    op.create_index(
        "ix_timers_dead_at",
        "timers",
        ["dead_at"],
        postgresql_where=sa.text("dead_at IS NOT NULL"),
        sqlite_where=sa.text("dead_at IS NOT NULL"),
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_timers_dead_at", table_name="timers")
    op.drop_index("ix_timers_due_at", table_name="timers")
    # dead timers were dropped before this revision; downgrading drops them again
    op.execute("DELETE FROM timers WHERE dead_at IS NOT NULL")
    with op.batch_alter_table(
        "timers", recreate="always" if sqlite else "auto", table_kwargs={"sqlite_autoincrement": False}
    ) as batch:
        batch.drop_column("dead_at")
        batch.drop_column("last_error")
    op.create_index("ix_timers_due_at", "timers", ["due_at"])
