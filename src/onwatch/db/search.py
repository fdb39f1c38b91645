"""The full-text search objects are the databases' own (PostgreSQL: stored generated tsvector
columns `fts_vector` with GIN indexes; SQLite: FTS5 tables kept by triggers; migration 0018), so
they stay outside the MetaData: schema comparison skips them by name."""

from __future__ import annotations

from typing import Any

PREFIX = "fts_"


def outside_metadata(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's include_object: False for the full-text search tables and indexes."""
    return not (name or "").startswith(PREFIX)
