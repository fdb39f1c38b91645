"""Incident working documents: versioned, a stale edit collides on the primary key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from onwatch.db.tables import incident_documents
from onwatch.kernel.errors import NotFound


@dataclass(frozen=True)
class DocumentVersion:
    incident_id: int
    version: int
    body: str
    author: str
    at: datetime


class DocumentRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

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
