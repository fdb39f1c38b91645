"""The one timeline table: appending events (one or many in one statement) and reading them back.

Incidents and alert groups both append here (kernel/timeline.py describes the event); what each
timeline shows is the owning slice's query (incidents/store/incidents.py, paging/store/groups.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import timeline_events
from onwatch.kernel.enums import EventKind, Interface, Role
from onwatch.kernel.timeline import TimelineEvent


def event_row(event: TimelineEvent) -> dict[str, Any]:
    """The row of one event, for a caller that buffers rows and writes them later (`append_rows`)."""
    return {
        "incident_id": event.incident_id,
        "group_id": event.group_id,
        "at": event.at,
        "kind": event.kind.value,
        "actor": event.actor,
        "interface": event.interface.value,
        "message": event.message,
        "data": dict(event.data),
        "role": event.role.value if event.role is not None else None,
        "person": event.person,
    }


def event_of(row: sa.RowMapping) -> TimelineEvent:
    """A timeline_events row as its event (the event's fields are the table's columns)."""
    return TimelineEvent(
        **{
            **row,
            "kind": EventKind(row["kind"]),
            "interface": Interface(row["interface"]),
            "role": Role(row["role"]) if row["role"] else None,
        }
    )


class TimelineStore:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def append(self, event: TimelineEvent) -> None:
        """One event; it must name its incident, its alert group, or both."""
        self.append_many([event])

    def append_many(self, events: Iterable[TimelineEvent]) -> None:
        """Many events in one statement, in order (their ids follow the order given)."""
        self.append_rows([event_row(e) for e in events])

    def append_rows(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            if row["incident_id"] is None and row["group_id"] is None:
                raise ValueError("a timeline event names its incident or its alert group")
        if rows:
            self.conn.execute(sa.insert(timeline_events), rows)

    def select(
        self, where: sa.ColumnElement[bool], *, after_id: int = 0, limit: int = 1000
    ) -> list[TimelineEvent]:
        """Events matching `where`, oldest first (ids grow with time across incidents and groups)."""
        rows = self.conn.execute(
            sa.select(timeline_events)
            .where(where, timeline_events.c.id > after_id)
            .order_by(timeline_events.c.id)
            .limit(limit)
        ).mappings()
        return [event_of(r) for r in rows]
