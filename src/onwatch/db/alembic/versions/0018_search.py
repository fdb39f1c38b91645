"""full-text search over incidents and reviews: PostgreSQL GIN expression indexes, SQLite FTS5

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 22:00:00

The tsvector columns, their indexes and the FTS tables live outside the MetaData (onwatch.db.search.outside_metadata): they are
the databases' own engines, queried by reviews/store/search.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE VIRTUAL TABLE fts_incidents USING fts5(title, content='incidents', content_rowid='id')",
    "CREATE TRIGGER fts_incidents_ai AFTER INSERT ON incidents BEGIN "
    "INSERT INTO fts_incidents(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER fts_incidents_ad AFTER DELETE ON incidents BEGIN "
    "INSERT INTO fts_incidents(fts_incidents, rowid, title) VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER fts_incidents_au AFTER UPDATE OF title ON incidents BEGIN "
    "INSERT INTO fts_incidents(fts_incidents, rowid, title) VALUES ('delete', old.id, old.title); "
    "INSERT INTO fts_incidents(rowid, title) VALUES (new.id, new.title); END",
    "INSERT INTO fts_incidents(fts_incidents) VALUES ('rebuild')",
    "CREATE VIRTUAL TABLE fts_reviews USING fts5(title, search_text, content='reviews', content_rowid='id')",
    "CREATE TRIGGER fts_reviews_ai AFTER INSERT ON reviews BEGIN "
    "INSERT INTO fts_reviews(rowid, title, search_text) VALUES (new.id, new.title, new.search_text); END",
    "CREATE TRIGGER fts_reviews_ad AFTER DELETE ON reviews BEGIN "
    "INSERT INTO fts_reviews(fts_reviews, rowid, title, search_text) "
    "VALUES ('delete', old.id, old.title, old.search_text); END",
    "CREATE TRIGGER fts_reviews_au AFTER UPDATE OF title, search_text ON reviews BEGIN "
    "INSERT INTO fts_reviews(fts_reviews, rowid, title, search_text) "
    "VALUES ('delete', old.id, old.title, old.search_text); "
    "INSERT INTO fts_reviews(rowid, title, search_text) VALUES (new.id, new.title, new.search_text); END",
    "INSERT INTO fts_reviews(fts_reviews) VALUES ('rebuild')",
]
# stored tsvectors: ranking reads them instead of parsing every matching row's text again
POSTGRESQL = [
    "ALTER TABLE incidents ADD COLUMN fts_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', title)) STORED",
    "CREATE INDEX fts_incidents_vector ON incidents USING gin (fts_vector)",
    "ALTER TABLE reviews ADD COLUMN fts_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || search_text)) STORED",
    "CREATE INDEX fts_reviews_vector ON reviews USING gin (fts_vector)",
]


def upgrade() -> None:
    op.add_column("reviews", sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("fts_incidents_ai", "fts_incidents_ad", "fts_incidents_au"):
            op.execute(f"DROP TRIGGER {name}")
        for name in ("fts_reviews_ai", "fts_reviews_ad", "fts_reviews_au"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE fts_incidents")
        op.execute("DROP TABLE fts_reviews")
    else:
        op.execute("ALTER TABLE incidents DROP COLUMN fts_vector")  # its index goes with it
        op.execute("ALTER TABLE reviews DROP COLUMN fts_vector")
    op.execute("ALTER TABLE reviews DROP COLUMN search_text")
