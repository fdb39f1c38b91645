"""SQLite's full-text search stems English words as PostgreSQL's `english` configuration does
("disks" finds "disk", "failing" finds "fail"): the FTS5 tables use the porter tokenizer

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 16:50:00

Only the FTS5 tables change (their triggers on incidents and reviews stay: they name the tables);
each is rebuilt from its content table. PostgreSQL's tsvectors already stem.
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TABLES = {
    "fts_incidents": "title, content='incidents', content_rowid='id'",
    "fts_reviews": "title, search_text, content='reviews', content_rowid='id'",
}


def _recreate(tokenize: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, columns in TABLES.items():
        op.execute(f"DROP TABLE {table}")
        op.execute(f"CREATE VIRTUAL TABLE {table} USING fts5({columns}{tokenize})")
        op.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")


def upgrade() -> None:
    _recreate(", tokenize='porter unicode61'")


def downgrade() -> None:
    _recreate("")
