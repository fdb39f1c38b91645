"""change events: deploys, config changes and feature flags per service, searchable

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 16:30:00

The full-text objects (PostgreSQL: a stored tsvector column with a GIN index; SQLite: an FTS5 table
kept by triggers) live outside the MetaData (onwatch.db.search.outside_metadata), like 0018's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE VIRTUAL TABLE fts_changes USING fts5(summary, source, content='changes', content_rowid='id')",
    "CREATE TRIGGER fts_changes_ai AFTER INSERT ON changes BEGIN "
    "INSERT INTO fts_changes(rowid, summary, source) VALUES (new.id, new.summary, new.source); END",
    "CREATE TRIGGER fts_changes_ad AFTER DELETE ON changes BEGIN "
    "INSERT INTO fts_changes(fts_changes, rowid, summary, source) "
    "VALUES ('delete', old.id, old.summary, old.source); END",
]
POSTGRESQL = [
    "ALTER TABLE changes ADD COLUMN fts_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', summary || ' ' || source)) STORED",
    "CREATE INDEX fts_changes_vector ON changes USING gin (fts_vector)",
]


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("at", onwatch.db.types.UTCDateTime(), nullable=False),
        sa.Column("received_at", onwatch.db.types.UTCDateTime(), nullable=False),
        sa.Column("summary", sa.String(1024), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("links", onwatch.db.types.JSONType, nullable=False),
        sa.Column("details", onwatch.db.types.JSONType, nullable=True),
        sa.Column("integration_id", sa.String(64), nullable=True),
        sa.Column("reported_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
    )
    op.create_index("ix_changes_service_id_at", "changes", ["service_id", "at"])
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER fts_changes_ai")
        op.execute("DROP TRIGGER fts_changes_ad")
        op.execute("DROP TABLE fts_changes")
    op.drop_index("ix_changes_service_id_at", table_name="changes")
    op.drop_table("changes")
