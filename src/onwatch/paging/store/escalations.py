"""Escalations: the policy snapshot an alert group's paging runs on, and where it stands."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from onwatch.db.tables import escalations
from onwatch.paging.domain.escalation import EscalationStatus, PolicySnapshot, Position


@functools.lru_cache(maxsize=256)
def _snapshot(policy_json: bytes) -> PolicySnapshot:
    """Escalations mostly share a few policies: parse each snapshot once (it is immutable)."""
    return PolicySnapshot.from_json(orjson.loads(policy_json))


@dataclass(frozen=True)
class EscalationRecord:
    id: int
    group_id: int
    policy: PolicySnapshot
    position: Position
    status: EscalationStatus
    started_at: datetime
    next_at: datetime | None


class EscalationRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

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
        return self.escalations([escalation_id], for_update=for_update).get(escalation_id)

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
        query = sa.select(escalations).where(escalations.c.group_id == group_id)
        row = self.conn.execute(query.order_by(escalations.c.id.desc()).limit(1)).mappings().first()
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
