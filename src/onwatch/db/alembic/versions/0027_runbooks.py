"""runbooks mirror: Markdown pages from a git repository or folder, searchable, and the mirror's state

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 17:00:00

The full-text objects (PostgreSQL: a stored tsvector column with a GIN index; SQLite: an FTS5 table
kept by triggers) live outside the MetaData (onwatch.db.search.outside_metadata), like 0018's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE VIRTUAL TABLE fts_runbook_pages USING fts5(title, body, content='runbook_pages', content_rowid='id')",
    "CREATE TRIGGER fts_runbook_pages_ai AFTER INSERT ON runbook_pages BEGIN "
    "INSERT INTO fts_runbook_pages(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER fts_runbook_pages_ad AFTER DELETE ON runbook_pages BEGIN "
    "INSERT INTO fts_runbook_pages(fts_runbook_pages, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
]
# a tsvector holds at most 1 MiB: a long runbook is indexed by its first 100,000 characters
POSTGRESQL = [
    "ALTER TABLE runbook_pages ADD COLUMN fts_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', left(title || ' ' || body, 100000))) STORED",
    "CREATE INDEX fts_runbook_pages_vector ON runbook_pages USING gin (fts_vector)",
]


def upgrade() -> None:
    op.create_table(
        "runbook_pages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runbook_pages")),
        sa.UniqueConstraint("path", name=op.f("uq_runbook_pages_path")),
    )
    op.create_table(
        "runbook_mirror",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(2048), nullable=False),
        sa.Column("revision", sa.String(64), nullable=True),
        sa.Column("refreshed_at", onwatch.db.types.UTCDateTime(), nullable=True),
        sa.Column("attempted_at", onwatch.db.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failures_total", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runbook_mirror")),
    )
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER fts_runbook_pages_ai")
        op.execute("DROP TRIGGER fts_runbook_pages_ad")
        op.execute("DROP TABLE fts_runbook_pages")
    op.drop_table("runbook_mirror")
    op.drop_table("runbook_pages")
