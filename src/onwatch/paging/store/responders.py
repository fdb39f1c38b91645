"""Responder pages: someone who knows an area, or a named person, paged for an incident beyond its
four roles (PROCESS.md §2 rule 8). Each is an alert group of its own; the pager reads here why its
people are paged, so the page says so instead of the asker's alert text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import alert_groups, incident_responders
from onwatch.paging.domain.alerts import GroupStatus


@dataclass(frozen=True)
class ResponderRecord:
    id: int
    incident_id: int
    group_id: int
    expertise: str | None
    paged: list[str]
    reason: str
    requested_by: str
    asked_at: datetime
    joined_by: str | None
    joined_at: datetime | None

    @classmethod
    def of(cls, row: sa.RowMapping) -> ResponderRecord:
        values: dict[str, Any] = {c.name: row[c.name] for c in incident_responders.columns}
        values["paged"] = [str(p) for p in values["paged"]]
        return cls(**values)

    @property
    def wanted(self) -> str:
        """Who was asked for: "someone who knows gitaly", or the named person."""
        return f"someone who knows {self.expertise}" if self.expertise else ", ".join(self.paged)

    def summary(self) -> str:
        """ "paged kwame as someone who knows gitaly" (CLI and chat replies)."""
        return f"paged {', '.join(self.paged)}" + (f" as {self.wanted}" if self.expertise else "")

    def page_text(self, recipient: str) -> str:
        """Why `recipient` is paged: asked directly, or as a manager of someone who did not answer."""
        if recipient in self.paged:
            what = f" as {self.wanted}" if self.expertise else ""
            return f"{self.requested_by} asks you to join incident #{self.incident_id}{what}: {self.reason}"
        return (
            f"Nobody has answered {self.requested_by}'s call for {self.wanted} on "
            f"incident #{self.incident_id} ({', '.join(self.paged)} paged): {self.reason}. You are paged "
            "up their management chain: join, or find someone who can."
        )


class ResponderRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, values: dict[str, Any]) -> int:
        inserted = sa.insert(incident_responders).values(values).returning(incident_responders.c.id)
        return int(self.conn.execute(inserted).scalar_one())

    def for_group(self, group_id: int) -> ResponderRecord | None:
        query = sa.select(incident_responders).where(incident_responders.c.group_id == group_id)
        row = self.conn.execute(query).mappings().first()
        return ResponderRecord.of(row) if row else None

    def for_incident(self, incident_id: int) -> list[tuple[ResponderRecord, GroupStatus]]:
        """The incident's responders, first asked first, with their page's status."""
        query = (
            sa.select(incident_responders, alert_groups.c.status.label("page_status"))
            .join(alert_groups, alert_groups.c.id == incident_responders.c.group_id)
            .where(incident_responders.c.incident_id == incident_id)
            .order_by(incident_responders.c.id)
        )
        return [
            (ResponderRecord.of(r), GroupStatus(r["page_status"]))
            for r in self.conn.execute(query).mappings()
        ]

    def mark_joined(self, responder_id: int, person: str, at: datetime) -> None:
        self.conn.execute(
            sa.update(incident_responders)
            .where(incident_responders.c.id == responder_id)
            .values(joined_by=person, joined_at=at)
        )
