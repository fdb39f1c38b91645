"""alert_inbox: request bodies accepted durably, applied (and deleted) right after (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
import sqlalchemy as sa

from onwatch.db.tables import alert_inbox

# One statement appends a whole batch of requests (arrays, one element per request), sent in binary:
# as text, psycopg escaped every byte of the bodies (a quarter of the event loop's time at 100/request)
_APPEND = (
    "INSERT INTO alert_inbox (integration_id, received_at, body, alerts, token) "
    "SELECT * FROM unnest(%b::text[], %b::timestamptz[], %b::bytea[], %b::integer[], %b::bigint[])"
)
# One applier per integration at a time holds this lock, so its rows are applied in the order they
# were accepted, whichever process applies them.
_LOCK_CLASS = 0x6F77  # "ow": the first key of pg_try_advisory_lock(int, int)


@dataclass(frozen=True)
class InboxRow:
    id: int
    received_at: datetime
    token: int | None


async def append(
    conn: psycopg.AsyncConnection[Any], rows: list[tuple[str, datetime, bytes, int, int]]
) -> None:
    """Commit `rows` (integration id, received at, body, alerts in it, token) in one statement
    (autocommit `conn`)."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    await conn.execute(_APPEND, columns, prepare=True)


async def has_waiting(conn: psycopg.AsyncConnection[Any], integration_id: str) -> bool:
    cursor = await conn.execute(
        "SELECT EXISTS (SELECT FROM alert_inbox WHERE integration_id = %s AND failed IS NULL)",
        (integration_id,),
        prepare=True,
    )
    found = await cursor.fetchone()
    return bool(found and found[0])


async def waiting_alerts(conn: psycopg.AsyncConnection[Any]) -> int:
    cursor = await conn.execute(
        "SELECT coalesce(sum(alerts), 0) FROM alert_inbox WHERE failed IS NULL", prepare=True
    )
    found = await cursor.fetchone()
    return int(found[0]) if found else 0


@contextmanager
def integration_lock(engine: sa.Engine, integration_id: str) -> Iterator[bool]:
    """Try to take the integration's advisory lock for as long as the block runs (a session lock on
    a connection of its own): True if taken, False if another applier holds it. Whoever holds it
    applies the integration's rows, so they are applied in the order they were accepted."""
    key = {"cls": _LOCK_CLASS, "integration": integration_id}
    with engine.connect() as conn:
        held = bool(
            conn.execute(sa.text("SELECT pg_try_advisory_lock(:cls, hashtext(:integration))"), key).scalar()
        )
        conn.commit()
        try:
            yield held
        finally:
            if held:
                try:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:cls, hashtext(:integration))"), key)
                    conn.commit()
                except sa.exc.DBAPIError:
                    conn.invalidate()  # its session ends, and the lock with it


def oldest(
    conn: sa.Connection, integration_id: str, rows: int, alerts: int, after: int = 0
) -> list[InboxRow]:
    """The integration's oldest rows not marked failed (and with ids above `after`), in the order
    they were accepted: at most `rows`, and no more than `alerts` alerts in all (but at least one
    row). Without their bodies (reading one is reading its TOAST chunks): see `bodies`."""
    query = (
        sa.select(alert_inbox.c.id, alert_inbox.c.alerts, alert_inbox.c.received_at, alert_inbox.c.token)
        .where(
            alert_inbox.c.integration_id == integration_id,
            alert_inbox.c.failed.is_(None),
            alert_inbox.c.id > after,
        )
        .order_by(alert_inbox.c.id)
        .limit(rows)
    )
    found: list[InboxRow] = []
    total = 0
    for row_id, count, at, token in conn.execute(query):
        total += count
        if found and total > alerts:
            break
        found.append(InboxRow(int(row_id), at, None if token is None else int(token)))
    return found


def bodies(conn: sa.Connection, ids: list[int]) -> dict[int, bytes]:
    if not ids:
        return {}
    found = conn.execute(sa.select(alert_inbox.c.id, alert_inbox.c.body).where(alert_inbox.c.id.in_(ids)))
    return {int(row_id): bytes(body) for row_id, body in found}


def delete(conn: sa.Connection, ids: list[int]) -> int:
    """How many of them were there."""
    return conn.execute(sa.delete(alert_inbox).where(alert_inbox.c.id.in_(ids))).rowcount


def mark_failed(conn: sa.Connection, row_id: int, error: str) -> None:
    conn.execute(sa.update(alert_inbox).where(alert_inbox.c.id == row_id).values(failed=error[:2000]))


def mark_integration_failed(conn: sa.Connection, integration_id: str, error: str) -> int:
    """Every waiting row of the integration marked failed; how many."""
    return conn.execute(
        sa.update(alert_inbox)
        .where(alert_inbox.c.integration_id == integration_id, alert_inbox.c.failed.is_(None))
        .values(failed=error[:2000])
    ).rowcount


def waiting_integrations(conn: sa.Connection, limit: int = 1000) -> list[str]:
    """Integrations with rows to apply (not failed)."""
    query = (
        sa.select(alert_inbox.c.integration_id)
        .where(alert_inbox.c.failed.is_(None))
        .group_by(alert_inbox.c.integration_id)
        .limit(limit)
    )
    return [str(i) for (i,) in conn.execute(query)]


def counts(conn: sa.Connection) -> tuple[int, int]:
    """(rows waiting, rows failed)."""
    waiting, failed = conn.execute(
        sa.select(
            sa.func.count().filter(alert_inbox.c.failed.is_(None)),
            sa.func.count().filter(alert_inbox.c.failed.is_not(None)),
        )
    ).one()
    return int(waiting), int(failed)
