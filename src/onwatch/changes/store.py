"""Stored changes: added once, read by service and time, found by full-text search (the
database's own engine, as for incidents: PostgreSQL's stored tsvector, SQLite's FTS5; migration
0022)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.changes.domain import Change, ChangeDraft, Link
from onwatch.db.tables import alert_groups, incident_services, incidents
from onwatch.db.tables_changes import changes

MAX_WORDS = 20
_WORD = re.compile(r"\w+", re.UNICODE)


def _change(r: sa.RowMapping) -> Change:
    links = tuple(Link(str(x.get("href", "")), str(x.get("text", ""))) for x in r["links"] or [])
    return Change(
        id=r["id"],
        service_id=r["service_id"],
        at=r["at"],
        received_at=r["received_at"],
        summary=r["summary"],
        source=r["source"],
        links=links,
        details=r["details"],
        integration_id=r["integration_id"],
        reported_by=r["reported_by"],
    )


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)][:MAX_WORDS]


class ChangeRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, draft: ChangeDraft, received_at: datetime) -> Change:
        row: dict[str, Any] = {
            "service_id": draft.service_id,
            "at": draft.at,
            "received_at": received_at,
            "summary": draft.summary,
            "source": draft.source,
            "links": [{"href": link.href, "text": link.text} for link in draft.links],
            "details": draft.details,
            "integration_id": draft.integration_id,
            "reported_by": draft.reported_by,
        }
        inserted = self.conn.execute(sa.insert(changes).values(**row).returning(changes.c.id))
        change_id = int(inserted.scalar_one())
        return Change(
            change_id, draft.service_id, draft.at, received_at, draft.summary, draft.source, draft.links,
            draft.details, draft.integration_id, draft.reported_by,
        )  # fmt: skip

    def between(
        self, services: Sequence[str] | None, since: datetime | None, until: datetime | None, limit: int
    ) -> list[Change]:
        """Changes of `services` (all when None) made in [since, until], the newest first."""
        query = sa.select(changes)
        if services is not None:
            query = query.where(changes.c.service_id.in_(list(services)))
        if since is not None:
            query = query.where(changes.c.at >= since)
        if until is not None:
            query = query.where(changes.c.at <= until)
        rows = self.conn.execute(query.order_by(changes.c.at.desc(), changes.c.id.desc()).limit(limit))
        return [_change(r) for r in rows.mappings()]

    def search(self, text: str, services: Sequence[str] | None, limit: int) -> list[Change]:
        """Changes whose summary or source has every word, the newest first."""
        found = words(text)
        if not found:
            return []
        if self.conn.dialect.name == "sqlite":
            statement, query_text = (
                "SELECT rowid AS id FROM fts_changes WHERE fts_changes MATCH :q",
                " ".join(f'"{w}"' for w in found),
            )
        else:
            statement, query_text = (
                "SELECT id FROM changes WHERE fts_vector @@ to_tsquery('english', :q)",
                " & ".join(found),
            )
        matched = sa.text(statement).bindparams(q=query_text).columns(id=sa.Integer)
        query = sa.select(changes).where(changes.c.id.in_(matched))
        if services is not None:
            query = query.where(changes.c.service_id.in_(list(services)))
        rows = self.conn.execute(query.order_by(changes.c.at.desc(), changes.c.id.desc()).limit(limit))
        return [_change(r) for r in rows.mappings()]

    def incident_scope(self, incident_id: int) -> tuple[list[str], datetime] | None:
        """An incident's services and when it was declared (None: no such incident)."""
        declared = self.conn.execute(
            sa.select(incidents.c.declared_at).where(incidents.c.id == incident_id)
        ).scalar_one_or_none()
        if declared is None:
            return None
        services = self.conn.execute(
            sa.select(incident_services.c.service_id).where(incident_services.c.incident_id == incident_id)
        ).scalars()
        return sorted(services), declared

    def group_scope(self, group_id: int) -> tuple[list[str], datetime] | None:
        """An alert group's service and when it opened (None: no such group)."""
        row = self.conn.execute(
            sa.select(alert_groups.c.service_id, alert_groups.c.created_at).where(
                alert_groups.c.id == group_id
            )
        ).first()
        return ([row[0]], row[1]) if row is not None else None
