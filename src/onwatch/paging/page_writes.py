"""Where paging decisions write: straight to the repositories, or buffered and flushed set-based.

A timer pass that runs a hundred escalation steps, or an ingest batch that opens many groups, would
otherwise spend a database round trip on every page, timeline event, timer and escalation update.
`BufferedWrites` collects them and `flush()` writes each kind in one statement, inside the same
transaction, so they still commit together with the decision or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import orjson
import sqlalchemy as sa

from onwatch.db.connect import dialect_insert
from onwatch.db.outbox import wake_workers
from onwatch.db.tables import escalations, timers
from onwatch.db.timeline import TimelineStore
from onwatch.db.uow import UnitOfWork
from onwatch.kernel.enums import EventKind, Role
from onwatch.paging.domain.escalation import Position
from onwatch.paging.store.escalations import EscalationRepository
from onwatch.paging.store.groups import AlertRepository

# one statement for all the escalations a pass moved (executemany sent one UPDATE per row)
_ESCALATIONS_PG = sa.text(
    "UPDATE escalations AS e SET updated_at = r.at, step = r.step, round = r.round, next_at = r.next "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
    "AS r(id integer, at timestamptz, step integer, round integer, next timestamptz) WHERE e.id = r.id"
)


class PageWrites(Protocol):
    def schedule(
        self, kind: str, due_at: datetime, payload: dict[str, Any], dedup_key: str, now: datetime
    ) -> None: ...

    def update_escalation(
        self, escalation_id: int, now: datetime, *, position: Position, next_at: datetime | None
    ) -> None: ...

    def enqueue(self, rows: list[dict[str, Any]]) -> None: ...

    def add_event(
        self,
        group_id: int,
        at: datetime,
        kind: EventKind,
        actor: str,
        interface: str,
        message: str,
        data: dict[str, Any] | None = None,
        *,
        role: Role | None = None,
        person: str | None = None,
    ) -> None: ...


class DirectWrites:
    """Each write is a statement now: the repositories' own methods."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.schedule = uow.timers.schedule
        self.update_escalation = uow.repo(EscalationRepository).update_escalation
        self.enqueue = uow.outbox.enqueue
        self.add_event = uow.repo(AlertRepository).add_event


class BufferedWrites:
    """Collects writes; `flush()` writes them, one statement per kind. `absorb` takes another buffer's
    writes (a decision that succeeded), so a failed decision's writes can simply be dropped."""

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self.timers: list[dict[str, Any]] = []
        self.escalations: dict[int, dict[str, Any]] = {}
        self.outbox: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def schedule(
        self, kind: str, due_at: datetime, payload: dict[str, Any], dedup_key: str, now: datetime
    ) -> None:
        self.timers.append(
            {
                "kind": kind,
                "due_at": due_at,
                "payload": payload,
                "dedup_key": dedup_key,
                "created_at": now,
                "attempts": 0,
            }
        )

    def update_escalation(
        self, escalation_id: int, now: datetime, *, position: Position, next_at: datetime | None
    ) -> None:
        # absolute values: the last update of an escalation in the batch is its final state
        self.escalations[escalation_id] = {
            "_id": escalation_id,
            "_updated_at": now,
            "_step": position.step,
            "_round": position.round,
            "_next_at": next_at,
        }

    def enqueue(self, rows: list[dict[str, Any]]) -> None:
        self.outbox.extend(rows)

    def add_event(
        self,
        group_id: int,
        at: datetime,
        kind: EventKind,
        actor: str,
        interface: str,
        message: str,
        data: dict[str, Any] | None = None,
        *,
        role: Role | None = None,
        person: str | None = None,
    ) -> None:
        self.events.append(
            {
                "incident_id": None,
                "group_id": group_id,
                "at": at,
                "kind": kind.value,
                "actor": actor,
                "interface": interface,
                "message": message,
                "data": data or {},
                "role": role.value if role is not None else None,
                "person": person,
            }
        )

    def absorb(self, other: BufferedWrites) -> None:
        self.timers += other.timers
        self.escalations.update(other.escalations)
        self.outbox += other.outbox
        self.events += other.events

    def flush(self, uow: UnitOfWork) -> None:
        conn = uow.conn
        if self.escalations and conn.dialect.name == "postgresql":
            rows = [
                {
                    "id": e["_id"],
                    "at": e["_updated_at"].isoformat(),
                    "step": e["_step"],
                    "round": e["_round"],
                    "next": e["_next_at"].isoformat() if e["_next_at"] else None,
                }
                for _id, e in sorted(self.escalations.items())
            ]
            conn.execute(_ESCALATIONS_PG, {"rows": orjson.dumps(rows).decode()})
        elif self.escalations:
            conn.execute(
                sa.update(escalations)
                .where(escalations.c.id == sa.bindparam("_id"))
                .values(
                    updated_at=sa.bindparam("_updated_at"),
                    step=sa.bindparam("_step"),
                    round=sa.bindparam("_round"),
                    next_at=sa.bindparam("_next_at"),
                ),
                # in id order: concurrent workers lock escalations in the same order
                [self.escalations[k] for k in sorted(self.escalations)],
            )
        if self.timers:
            conn.execute(
                dialect_insert(conn, timers).on_conflict_do_nothing(index_elements=["dedup_key"]),
                self.timers,
            )
        if self.outbox:
            uow.outbox.enqueue(self.outbox)
        if self.events:
            TimelineStore(conn).append_rows(self.events)
        if self.timers or self.outbox:
            wake_workers(conn)
        self._clear()
