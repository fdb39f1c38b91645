"""Role pages (a page to a role for an incident, or for a report) and incident working documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import alert_groups, incident_documents, role_pages
from onwatch.kernel.enums import Role
from onwatch.kernel.errors import NotFound
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


@dataclass(frozen=True)
class DocumentVersion:
    incident_id: int
    version: int
    body: str
    author: str
    at: datetime


class ProcessRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # ---- role pages ----------------------------------------------------------------------

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

    def role_pages_of(self, incident_id: int) -> list[RolePageRecord]:
        rows = self.conn.execute(
            sa.select(role_pages).where(role_pages.c.incident_id == incident_id).order_by(role_pages.c.id)
        ).mappings()
        return [RolePageRecord.of(r) for r in rows]

    def mark_engaged(self, page_id: int, person: str, at: datetime) -> None:
        self.conn.execute(
            sa.update(role_pages).where(role_pages.c.id == page_id).values(engaged_by=person, engaged_at=at)
        )

    def attach_to_incident(self, group_id: int, incident_id: int) -> None:
        self.conn.execute(
            sa.update(role_pages).where(role_pages.c.group_id == group_id).values(incident_id=incident_id)
        )

    # ---- working documents ---------------------------------------------------------------

    def document(self, incident_id: int, version: int | None = None) -> DocumentVersion:
        query = sa.select(incident_documents).where(incident_documents.c.incident_id == incident_id)
        if version is not None:
            query = query.where(incident_documents.c.version == version)
        row = (
            self.conn.execute(query.order_by(incident_documents.c.version.desc()).limit(1)).mappings().first()
        )
        if row is None:
            what = f"version {version} of the" if version is not None else "a"
            raise NotFound(f"incident {incident_id} has no {what} working document", field="version")
        return DocumentVersion(**dict(row))

    def document_versions(self, incident_id: int) -> list[DocumentVersion]:
        rows = self.conn.execute(
            sa.select(incident_documents)
            .where(incident_documents.c.incident_id == incident_id)
            .order_by(incident_documents.c.version.desc())
        ).mappings()
        return [DocumentVersion(**dict(r)) for r in rows]

    def add_document_version(
        self, incident_id: int, version: int, body: str, author: str, at: datetime
    ) -> None:
        """Insert version `version`; two editors saving on the same base collide on the primary key."""
        self.conn.execute(
            sa.insert(incident_documents).values(
                incident_id=incident_id, version=version, body=body, author=author, at=at
            )
        )


def _open_pages(incident_id: int) -> sa.Select[Any]:
    return (
        sa.select(role_pages)
        .join(alert_groups, alert_groups.c.id == role_pages.c.group_id)
        .where(role_pages.c.incident_id == incident_id, alert_groups.c.status != GroupStatus.RESOLVED.value)
        .order_by(role_pages.c.id.desc())
    )
