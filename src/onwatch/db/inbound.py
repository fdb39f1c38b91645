"""The replay guard of inbound callbacks: each (source, id) is acted on once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from onwatch.db.connect import dialect_insert
from onwatch.db.tables_notify import inbound_callbacks


def first_time(conn: sa.Connection, source: str, ref: str, now: datetime) -> bool:
    """Record the callback; False if it was seen before (a replay or a redelivery: do nothing)."""
    stmt = dialect_insert(conn, inbound_callbacks).values(source=source, ref=ref[:200], received_at=now)
    # RETURNING, not rowcount: psycopg's rowcount is not the rows inserted here
    inserted = conn.execute(
        stmt.on_conflict_do_nothing(index_elements=["source", "ref"]).returning(inbound_callbacks.c.ref)
    ).first()
    return inserted is not None


def forget(conn: sa.Connection, source: str, ref: str) -> None:
    """Undo `first_time` when acting failed, so that the service's redelivery acts."""
    conn.execute(
        sa.delete(inbound_callbacks).where(
            inbound_callbacks.c.source == source, inbound_callbacks.c.ref == ref[:200]
        )
    )
