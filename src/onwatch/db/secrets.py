"""Server secrets shared by every replica (for signing one-click links), created on first use."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from onwatch.db.connect import dialect_insert
from onwatch.db.tables import app_secrets


def shared_secret(conn: sa.Connection, name: str) -> str:
    """The named secret; the first replica to ask creates it, and all others then read the same one."""
    stmt = dialect_insert(conn, app_secrets).values(name=name, value=secrets.token_urlsafe(48))
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
    value: str = conn.execute(sa.select(app_secrets.c.value).where(app_secrets.c.name == name)).scalar_one()
    return value
