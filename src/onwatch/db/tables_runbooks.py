"""Tables of the runbooks slice: the mirrored Markdown pages and the state of the mirror.

A refresh replaces every page in one transaction, so a reader sees the old copy or the new one,
never half of each. Registered on the MetaData of onwatch.db.tables (which imports this module).
Full-text search over title and body is the database's own (migration 0027, onwatch.db.search).
"""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.metadata import metadata
from onwatch.db.types import UTCDateTime

runbook_pages = sa.Table(
    "runbook_pages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),  # SQLite FTS5's rowid
    sa.Column("path", sa.String(1024), nullable=False, unique=True),  # in the repository: ops/gitaly.md
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

# one row: what is mirrored, the last good copy and the last attempt
runbook_mirror = sa.Table(
    "runbook_mirror",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(2048), nullable=False),
    sa.Column("revision", sa.String(64), nullable=True),  # the commit mirrored (a folder: its digest)
    sa.Column("refreshed_at", UTCDateTime, nullable=True),  # when the copy served was read
    sa.Column("attempted_at", UTCDateTime, nullable=True),
    sa.Column("error", sa.Text, nullable=True),  # why the last attempt failed; None when it worked
    sa.Column("failures", sa.Integer, nullable=False),  # attempts failed in a row
    sa.Column("failures_total", sa.Integer, nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("skipped", sa.Integer, nullable=False),  # files left out (too large, not text)
)
