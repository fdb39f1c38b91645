"""Corrective action repository."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables_reviews import corrective_actions
from onwatch.db.versioned import update_versioned
from onwatch.kernel.errors import NotFound
from onwatch.reviews.domain.actions import CorrectiveAction
from onwatch.reviews.domain.enums import ActionStatus

OPEN = [ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value]


class ActionRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        # the version each action had when this unit of work read it: save() writes only over that
        self._read_versions: dict[int, int] = {}

    def add(self, action: CorrectiveAction) -> int:
        new_id = self.conn.execute(
            sa.insert(corrective_actions).values(self._row(action)).returning(corrective_actions.c.id)
        ).scalar_one()
        action.id = int(new_id)
        self._read_versions[action.id] = action.version
        return action.id

    def save(self, action: CorrectiveAction) -> None:
        """Write the action; ConcurrentModification (409) if someone saved it since it was read."""
        if action.id is None:
            raise ValueError("save() needs a stored corrective action; use add()")
        read = self._read_versions.get(action.id, action.version)
        update_versioned(
            self.conn,
            corrective_actions,
            action.id,
            read,
            self._row(action),
            what=f"corrective action {action.id}",
        )
        self._read_versions[action.id] = action.version

    def get(self, action_id: int, *, for_update: bool = False) -> CorrectiveAction:
        query = sa.select(corrective_actions).where(corrective_actions.c.id == action_id)
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"corrective action {action_id} does not exist", field="action_id")
        action = self._load(row)
        self._read_versions[action_id] = action.version
        return action

    def for_reviews(
        self, review_ids: list[int], *, open_only: bool = False
    ) -> dict[int, list[CorrectiveAction]]:
        found: dict[int, list[CorrectiveAction]] = {r: [] for r in review_ids}
        if not review_ids:
            return found
        query = (
            sa.select(corrective_actions)
            .where(corrective_actions.c.review_id.in_(review_ids))
            .order_by(corrective_actions.c.id)
        )
        if open_only:
            query = query.where(corrective_actions.c.status.in_(OPEN))
        for row in self.conn.execute(query).mappings():
            found[row["review_id"]].append(self._load(row))
        return found

    def for_review(self, review_id: int) -> list[CorrectiveAction]:
        return self.for_reviews([review_id])[review_id]

    def overdue(self, now: datetime, owner: str | None = None) -> list[CorrectiveAction]:
        query = (
            sa.select(corrective_actions)
            .where(corrective_actions.c.status.in_(OPEN), corrective_actions.c.due_at < now)
            .order_by(corrective_actions.c.due_at)
        )
        if owner is not None:
            query = query.where(corrective_actions.c.owner_id == owner)
        return [self._load(r) for r in self.conn.execute(query).mappings()]

    @staticmethod
    def _row(a: CorrectiveAction) -> dict[str, Any]:
        return {
            "review_id": a.review_id,
            "title": a.title,
            "owner_id": a.owner_id,
            "due_at": a.due_at,
            "status": a.status.value,
            "link": a.link,
            "reason": a.reason,
            "external_url": a.external_url,
            "created_at": a.created_at,
            "updated_at": a.updated_at,
            "version": a.version,
        }

    @staticmethod
    def _load(r: sa.RowMapping) -> CorrectiveAction:
        return CorrectiveAction(
            id=r["id"],
            review_id=r["review_id"],
            title=r["title"],
            owner_id=r["owner_id"],
            due_at=r["due_at"],
            status=ActionStatus(r["status"]),
            link=r["link"],
            reason=r["reason"],
            external_url=r["external_url"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            version=r["version"],
        )
