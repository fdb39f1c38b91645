"""A server's facts on its database (db/tables_server.py): written by `onwatch serve` on start,
read by the processes that share the database without sharing its environment."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from onwatch.db.connect import dialect_insert
from onwatch.db.tables_server import server_facts

PUBLIC_URL = "public_url"


def record(conn: sa.Connection, name: str, value: str, now: datetime) -> None:
    stmt = dialect_insert(conn, server_facts).values(name=name, value=value, updated_at=now)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["name"], set_={"value": value, "updated_at": now})
    )


def recorded(conn: sa.Connection, name: str) -> str | None:
    value: str | None = conn.execute(
        sa.select(server_facts.c.value).where(server_facts.c.name == name)
    ).scalar_one_or_none()
    return value
