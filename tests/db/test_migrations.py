"""The Alembic migrations build exactly the schema the code queries, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from onwatch.db import migrate
from onwatch.db.search import outside_metadata
from onwatch.db.tables import metadata
from onwatch.db.uow import Database


def test_migrations_match_the_tables_module(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_object": outside_metadata}),
            metadata,
        )
    assert diff == []


def test_database_is_at_the_head_revision_and_upgrading_again_is_harmless(db: Database) -> None:
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
