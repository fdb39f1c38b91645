"""The open follow-up items of an incident's alert groups (opened by "incorrect" and "flappy"
feedback, reports/feedback): read here for the review, which may turn one into a corrective action
or an alert-rule change. Read only: reviews import nothing of reports (the table is global)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from onwatch.db.tables import alert_groups
from onwatch.db.tables_feedback import follow_ups


@dataclass(frozen=True)
class OpenFollowUp:
    id: int
    group_id: int
    title: str
    alertname: str
    integration_id: str
    owner_id: str | None
    created_at: datetime


def open_follow_ups(conn: sa.Connection, incident_id: int) -> list[OpenFollowUp]:
    """Oldest first."""
    rows = conn.execute(
        sa.select(follow_ups)
        .join(alert_groups, alert_groups.c.id == follow_ups.c.group_id)
        .where(alert_groups.c.incident_id == incident_id, follow_ups.c.status == "open")
        .order_by(follow_ups.c.id)
    ).mappings()
    return [
        OpenFollowUp(
            r["id"],
            r["group_id"],
            r["title"],
            r["alertname"],
            r["integration_id"],
            r["owner_id"],
            r["created_at"],
        )
        for r in rows
    ]
