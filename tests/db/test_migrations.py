"""The Alembic migrations build exactly the schema the code queries, on both databases."""

from __future__ import annotations

import itertools

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

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


def test_migrations_form_one_chain_numbered_like_their_files() -> None:
    """Engineers land migrations in parallel: two with the same number, or one pointing at a file
    that was renumbered, would leave the database with two heads or none."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    chain = list(reversed(list(script.walk_revisions())))
    numbers = [f"{n:04d}" for n in range(1, len(chain) + 2) if n != 7]  # 0007 was never written
    assert [rev.revision for rev in chain] == numbers[: len(chain)]
    for earlier, later in itertools.pairwise(chain):
        assert later.down_revision == earlier.revision
    for rev in chain:
        assert rev.path is not None and rev.path.rsplit("/", 1)[-1].startswith(rev.revision + "_")
