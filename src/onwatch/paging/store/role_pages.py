"""Role pages: a page to a role (EOC, IMOC, CMOC, security) for an incident, or for a report; each
is an alert group of its own, with who asked for it and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import alert_groups, role_pages
from onwatch.kernel.enums import Role
from onwatch.paging.domain.alerts import GroupStatus


@dataclass(frozen=True)
class RolePageRecord:
    id: int
    group_id: int
    incident_id: int | None
    role: Role
    reason: str
    requested_by: str
    contact: str | None
    created_at: datetime
    engaged_by: str | None
    engaged_at: datetime | None

    @classmethod
    def of(cls, row: sa.RowMapping) -> RolePageRecord:
        values: dict[str, Any] = {c.name: row[c.name] for c in role_pages.columns}
        values["role"] = Role(values["role"])
        return cls(**values)


class RolePageRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add_role_page(self, values: dict[str, Any]) -> int:
        return int(
            self.conn.execute(sa.insert(role_pages).values(values).returning(role_pages.c.id)).scalar_one()
        )

    def role_page_for_group(self, group_id: int) -> RolePageRecord | None:
        row = (
            self.conn.execute(sa.select(role_pages).where(role_pages.c.group_id == group_id))
            .mappings()
            .first()
        )
        return RolePageRecord.of(row) if row else None

    def open_role_page(self, incident_id: int, role: Role) -> RolePageRecord | None:
        """A page to `role` for the incident that nobody has resolved yet (acknowledged counts)."""
        row = self.conn.execute(_open_pages(incident_id).where(role_pages.c.role == role.value).limit(1))
        found = row.mappings().first()
        return RolePageRecord.of(found) if found else None

    def open_role_pages(self, incident_id: int) -> list[RolePageRecord]:
        """The incident's role pages not resolved yet, newest first."""
        return [RolePageRecord.of(r) for r in self.conn.execute(_open_pages(incident_id)).mappings()]

    def mark_engaged(self, page_id: int, person: str, at: datetime) -> None:
        self.conn.execute(
            sa.update(role_pages).where(role_pages.c.id == page_id).values(engaged_by=person, engaged_at=at)
        )

    def attach_to_incident(self, group_id: int, incident_id: int) -> None:
        self.conn.execute(
            sa.update(role_pages).where(role_pages.c.group_id == group_id).values(incident_id=incident_id)
        )


def _open_pages(incident_id: int) -> sa.Select[Any]:
    return (
        sa.select(role_pages)
        .join(alert_groups, alert_groups.c.id == role_pages.c.group_id)
        .where(role_pages.c.incident_id == incident_id, alert_groups.c.status != GroupStatus.RESOLVED.value)
        .order_by(role_pages.c.id.desc())
    )
