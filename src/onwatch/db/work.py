"""Durable timers, the outbox and escalations: the tables the engine claims work from.

Claiming: PostgreSQL takes rows with `FOR UPDATE SKIP LOCKED`, so workers never wait on each
other; SQLite runs the same statements inside `BEGIN IMMEDIATE` (one writer at a time), where
SQLAlchemy drops the locking clause.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from onwatch.db.tables import escalations, outbox, timers
from onwatch.notify.base import OutboxMessage
from onwatch.paging.domain.escalation import EscalationStatus, PolicySnapshot, Position

WAKE_CHANNEL = "onwatch_work"


@functools.lru_cache(maxsize=256)
def _snapshot(policy_json: bytes) -> PolicySnapshot:
    """Escalations mostly share a few policies: parse each snapshot once (it is immutable)."""
    return PolicySnapshot.from_json(orjson.loads(policy_json))


def wake_workers(conn: sa.Connection) -> None:
    """NOTIFY listening workers (engine/listen.py); delivered when, and only if, the transaction
    commits. SQLite has one process, whose worker the API wakes directly."""
    # once per transaction is enough (PostgreSQL folds repeats anyway; this saves the round trips)
    if conn.dialect.name == "postgresql" and not conn.info.get("onwatch_notified"):
        conn.exec_driver_sql(f"NOTIFY {WAKE_CHANNEL}")
        conn.info["onwatch_notified"] = True


def dialect_insert(conn: sa.Connection, table: sa.Table) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING on both dialects."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


@dataclass(frozen=True)
class TimerRecord:
    id: int
    kind: str
    due_at: datetime
    payload: dict[str, Any]
    dedup_key: str | None


@dataclass(frozen=True)
class EscalationRecord:
    id: int
    group_id: int
    policy: PolicySnapshot
    position: Position
    status: EscalationStatus
    started_at: datetime
    next_at: datetime | None


class EngineRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # ---- timers --------------------------------------------------------------------------

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

    # ---- outbox --------------------------------------------------------------------------

    def enqueue(self, rows: list[dict[str, Any]]) -> None:
        """Rows need idempotency_key, channel, target, payload, next_attempt_at, created_at, correlation.
        A key already present is skipped: the same decision made twice sends once."""
        if not rows:
            return
        # executemany form: the statement compiles once and is cached (a multi-row .values() is
        # compiled anew for every batch), and the driver batches the rows into few round trips
        stmt = dialect_insert(self.conn, outbox).on_conflict_do_nothing(index_elements=["idempotency_key"])
        self.conn.execute(stmt, rows)
        wake_workers(self.conn)

    def cancel_outbox(self, correlation: str, now: datetime) -> int:
        """Drop not-yet-sent messages: the email due in 2 minutes, or a page still being retried,
        once someone acknowledged."""
        result = self.conn.execute(
            sa.update(outbox)
            .where(
                outbox.c.correlation == correlation,
                outbox.c.status == "pending",
                # not while a worker holds it: that delivery may already be on the wire
                sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            .values(status="cancelled", last_error=f"cancelled at {now.isoformat()}")
        )
        return int(result.rowcount)

    def claim_outbox(self, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        """Lease due messages to this worker; a crashed worker's lease runs out and another takes them."""
        due = (
            sa.select(outbox.c.id)
            .where(
                outbox.c.status == "pending",
                outbox.c.next_attempt_at <= now,
                sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            .order_by(outbox.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(self.conn.execute(due).scalars())
        if not ids:
            return []
        rows = self.conn.execute(
            sa.update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(claimed_until=now + lease)
            .returning(
                outbox.c.id,
                outbox.c.idempotency_key,
                outbox.c.channel,
                outbox.c.target,
                outbox.c.payload,
                outbox.c.attempts,
                outbox.c.created_at,
            )
        ).mappings()
        return [
            OutboxMessage(
                id=r["id"],
                idempotency_key=r["idempotency_key"],
                channel=r["channel"],
                target=dict(r["target"]),
                payload=dict(r["payload"]),
                attempts=r["attempts"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

    def mark_sent(self, message_id: int, now: datetime) -> None:
        self.conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == message_id)
            .values(status="sent", sent_at=now, claimed_until=None, attempts=outbox.c.attempts + 1)
        )

    def mark_sent_many(self, message_ids: list[int], now: datetime) -> None:
        """`mark_sent` for many messages in one statement."""
        if message_ids:
            self.conn.execute(
                sa.update(outbox)
                .where(outbox.c.id.in_(message_ids))
                .values(status="sent", sent_at=now, claimed_until=None, attempts=outbox.c.attempts + 1)
            )

    def mark_failed(self, message_id: int, error: str, retry_at: datetime | None) -> None:
        """Retry at `retry_at`, or give up (status failed) when it is None."""
        values: dict[str, Any] = {
            "claimed_until": None,
            "attempts": outbox.c.attempts + 1,
            "last_error": error[:1000],
        }
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = retry_at
        self.conn.execute(sa.update(outbox).where(outbox.c.id == message_id).values(values))

    def next_outbox_due(self) -> datetime | None:
        value: datetime | None = self.conn.execute(
            sa.select(sa.func.min(outbox.c.next_attempt_at)).where(outbox.c.status == "pending")
        ).scalar_one()
        return value

    # ---- escalations ---------------------------------------------------------------------

    def start_escalation(self, group_id: int, policy: PolicySnapshot, now: datetime) -> int:
        return int(
            self.conn.execute(
                sa.insert(escalations)
                .values(
                    group_id=group_id,
                    policy=policy.to_json(),
                    step=0,
                    round=0,
                    status=EscalationStatus.ACTIVE.value,
                    started_at=now,
                    updated_at=now,
                )
                .returning(escalations.c.id)
            ).scalar_one()
        )

    def escalation(self, escalation_id: int, *, for_update: bool = False) -> EscalationRecord | None:
        query = sa.select(escalations).where(escalations.c.id == escalation_id)
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return self._record(row) if row else None

    def escalations(self, ids: list[int], *, for_update: bool = False) -> dict[int, EscalationRecord]:
        """The escalations among `ids` (locked in id order when `for_update`), by id."""
        found: dict[int, EscalationRecord] = {}
        unique = sorted(set(ids))
        for start in range(0, len(unique), 1000):
            query = (
                sa.select(escalations)
                .where(escalations.c.id.in_(unique[start : start + 1000]))
                .order_by(escalations.c.id)
            )
            if for_update:
                query = query.with_for_update()
            found.update((r["id"], self._record(r)) for r in self.conn.execute(query).mappings())
        return found

    def current_escalation(self, group_id: int) -> EscalationRecord | None:
        row = (
            self.conn.execute(
                sa.select(escalations)
                .where(escalations.c.group_id == group_id)
                .order_by(escalations.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        return self._record(row) if row else None

    def update_escalation(
        self,
        escalation_id: int,
        now: datetime,
        *,
        status: EscalationStatus | None = None,
        position: Position | None = None,
        next_at: datetime | bool | None = False,
    ) -> None:
        values: dict[str, Any] = {"updated_at": now}
        if status is not None:
            values["status"] = status.value
        if position is not None:
            values["step"], values["round"] = position.step, position.round
        if next_at is not False:
            values["next_at"] = next_at
        self.conn.execute(sa.update(escalations).where(escalations.c.id == escalation_id).values(values))

    @staticmethod
    def _record(row: sa.RowMapping) -> EscalationRecord:
        return EscalationRecord(
            id=row["id"],
            group_id=row["group_id"],
            policy=_snapshot(orjson.dumps(row["policy"], option=orjson.OPT_SORT_KEYS)),
            position=Position(row["step"], row["round"]),
            status=EscalationStatus(row["status"]),
            started_at=row["started_at"],
            next_at=row["next_at"],
        )
