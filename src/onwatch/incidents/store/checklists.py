"""The ticks of the roles' checklists on incidents."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from onwatch.db.tables import checklist_ticks
from onwatch.incidents.domain.checklists import Tick
from onwatch.kernel.enums import Role


class ChecklistRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def ticks(self, incident_id: int) -> dict[tuple[Role, str], Tick]:
        rows = self.conn.execute(
            sa.select(checklist_ticks).where(checklist_ticks.c.incident_id == incident_id)
        ).mappings()
        return {(Role(r["role"]), str(r["item"])): Tick(r["ticked_by"], r["ticked_at"]) for r in rows}

    def tick(self, incident_id: int, role: Role, item: str, person: str, at: datetime) -> None:
        self.conn.execute(
            sa.insert(checklist_ticks).values(
                incident_id=incident_id, role=role.value, item=item, ticked_by=person, ticked_at=at
            )
        )

    def untick(self, incident_id: int, role: Role, item: str) -> None:
        self.conn.execute(
            sa.delete(checklist_ticks).where(
                checklist_ticks.c.incident_id == incident_id,
                checklist_ticks.c.role == role.value,
                checklist_ticks.c.item == item,
            )
        )
