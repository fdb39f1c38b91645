"""Alembic environment: runs on the connection handed over by onwatch.db.migrate."""

from __future__ import annotations

from alembic import context

from onwatch.db.search import outside_metadata
from onwatch.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through onwatch.db.migrate
    raise RuntimeError("run migrations with `onwatch migrate`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite has almost no ALTER TABLE
    compare_type=True,
    include_object=outside_metadata,
)
with context.begin_transaction():
    context.run_migrations()
