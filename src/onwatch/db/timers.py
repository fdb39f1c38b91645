"""Durable timers: the table the engine claims due work from (engine/worker.py).

Claiming: PostgreSQL takes rows with `FOR UPDATE SKIP LOCKED`, so workers never wait on each
other; SQLite runs the same statements inside `BEGIN IMMEDIATE` (one writer at a time), where
SQLAlchemy drops the locking clause.

A timer whose handler fails is written back (`keep_failed`) with one more attempt, its error and a
later due time; after the last attempt it is dead (`dead_at`): never claimed again, listed for an
admin (`dead_timers`), who may put it back (`revive`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.connect import dialect_insert
from onwatch.db.outbox import wake_workers
from onwatch.db.tables import timers

ERROR_CHARS = 2000  # what is kept of a failure's text


@dataclass(frozen=True)
class TimerRecord:
    id: int
    kind: str
    due_at: datetime
    payload: dict[str, Any]
    dedup_key: str | None
    attempts: int = 0
    created_at: datetime | None = None
    last_error: str | None = None
    dead_at: datetime | None = None


def _record(r: sa.RowMapping) -> TimerRecord:
    return TimerRecord(
        r["id"],
        r["kind"],
        r["due_at"],
        dict(r["payload"]),
        r["dedup_key"],
        r["attempts"],
        r["created_at"],
        r["last_error"],
        r["dead_at"],
    )


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
        """Delete the timers whose key starts with `prefix`, dead ones too (their work is moot)."""
        return int(self.conn.execute(sa.delete(timers).where(timers.c.dedup_key.startswith(prefix))).rowcount)

    def due_timers(self, now: datetime, limit: int) -> list[TimerRecord]:
        """Lock up to `limit` due live timers for this transaction; others skip them."""
        rows = self.conn.execute(
            sa.select(timers)
            .where(timers.c.due_at <= now, timers.c.dead_at.is_(None))
            .order_by(timers.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).mappings()
        return [_record(r) for r in rows]

    def delete_timers(self, timer_ids: list[int]) -> None:
        if timer_ids:
            self.conn.execute(sa.delete(timers).where(timers.c.id.in_(timer_ids)))

    def keep_failed(self, timer: TimerRecord, error: str, now: datetime, retry_at: datetime | None) -> bool:
        """Write back a claimed (deleted) timer whose handler failed, under its own id: due again at
        `retry_at`, or dead from `now` when that is None. False if a timer with its key was scheduled
        meanwhile (that one stands instead)."""
        stmt = dialect_insert(self.conn, timers).values(
            id=timer.id,
            kind=timer.kind,
            due_at=retry_at or timer.due_at,
            payload=timer.payload,
            dedup_key=timer.dedup_key,
            created_at=timer.created_at or now,
            attempts=timer.attempts + 1,
            last_error=error[:ERROR_CHARS],
            dead_at=None if retry_at is not None else now,
        )
        return bool(self.conn.execute(stmt.on_conflict_do_nothing()).rowcount)

    def timer(self, timer_id: int, *, for_update: bool = False) -> TimerRecord | None:
        query = sa.select(timers).where(timers.c.id == timer_id)
        row = self.conn.execute(query.with_for_update() if for_update else query).mappings().first()
        return _record(row) if row is not None else None

    def dead_timers(self, limit: int = 100) -> list[TimerRecord]:
        """Dead timers, the most recently dead first."""
        rows = self.conn.execute(
            sa.select(timers)
            .where(timers.c.dead_at.is_not(None))
            .order_by(timers.c.dead_at.desc(), timers.c.id.desc())
            .limit(limit)
        ).mappings()
        return [_record(r) for r in rows]

    def pending_timers(self, limit: int = 100) -> list[TimerRecord]:
        """Live timers, the next due first."""
        rows = self.conn.execute(
            sa.select(timers).where(timers.c.dead_at.is_(None)).order_by(timers.c.due_at).limit(limit)
        ).mappings()
        return [_record(r) for r in rows]

    def count_dead(self) -> int:
        query = sa.select(sa.func.count()).select_from(timers).where(timers.c.dead_at.is_not(None))
        return int(self.conn.execute(query).scalar_one())

    def revive(self, timer_id: int, now: datetime) -> None:
        """A dead timer due again now, with its attempts reset (its last error is kept until it runs)."""
        self.conn.execute(
            sa.update(timers).where(timers.c.id == timer_id).values(due_at=now, attempts=0, dead_at=None)
        )
        wake_workers(self.conn)

    def next_timer_due(self) -> datetime | None:
        value: datetime | None = self.conn.execute(
            sa.select(sa.func.min(timers.c.due_at)).where(timers.c.dead_at.is_(None))
        ).scalar_one()
        return value
