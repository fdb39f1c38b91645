"""Durable timers: the table the engine claims due work from (engine/worker.py).

Claiming: PostgreSQL takes rows with `FOR UPDATE SKIP LOCKED`, so workers never wait on each
other; SQLite runs the same statements inside `BEGIN IMMEDIATE` (one writer at a time), where
SQLAlchemy drops the locking clause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.connect import dialect_insert
from onwatch.db.outbox import wake_workers
from onwatch.db.tables import timers


@dataclass(frozen=True)
class TimerRecord:
    id: int
    kind: str
    due_at: datetime
    payload: dict[str, Any]
    dedup_key: str | None


class TimerStore:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def schedule(
        self, kind: str, due_at: datetime, payload: dict[str, Any], dedup_key: str, now: datetime
    ) -> None:
        stmt = dialect_insert(self.conn, timers).values(
            kind=kind, due_at=due_at, payload=payload, dedup_key=dedup_key, created_at=now, attempts=0
        )
        self.conn.execute(stmt.on_conflict_do_nothing(index_elements=["dedup_key"]))
        wake_workers(self.conn)  # sleeping workers recompute when the next timer is due

    def cancel_timers(self, prefix: str) -> int:
        return int(self.conn.execute(sa.delete(timers).where(timers.c.dedup_key.startswith(prefix))).rowcount)

    def due_timers(self, now: datetime, limit: int) -> list[TimerRecord]:
        """Lock up to `limit` due timers for this transaction; others skip them."""
        rows = self.conn.execute(
            sa.select(timers)
            .where(timers.c.due_at <= now)
            .order_by(timers.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).mappings()
        return [
            TimerRecord(r["id"], r["kind"], r["due_at"], dict(r["payload"]), r["dedup_key"]) for r in rows
        ]

    def delete_timers(self, timer_ids: list[int]) -> None:
        if timer_ids:
            self.conn.execute(sa.delete(timers).where(timers.c.id.in_(timer_ids)))

    def next_timer_due(self) -> datetime | None:
        value: datetime | None = self.conn.execute(sa.select(sa.func.min(timers.c.due_at))).scalar_one()
        return value
