"""Feedback and follow-up rows (onwatch.db.tables_feedback), and the one fact of the group they
need: which alert rule it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import alert_groups, alerts
from onwatch.db.tables_feedback import alert_feedback, follow_ups
from onwatch.kernel.enums import FeedbackChoice
from onwatch.kernel.errors import NotFound
from onwatch.reports.feedback.domain import Feedback, FollowUp, FollowUpStatus


@dataclass(frozen=True)
class FollowUpFilter:
    status: FollowUpStatus | None = None
    owner_id: str | None = None
    group_ids: tuple[int, ...] | None = None  # None: any group
    created_from: datetime | None = None
    created_to: datetime | None = None
    closed_from: datetime | None = None
    closed_to: datetime | None = None
    hidden_incidents: frozenset[int] = frozenset()  # groups of these incidents are left out


class FeedbackRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # ---- feedback --------------------------------------------------------------------------

    def add(self, feedback: Feedback) -> Feedback:
        new_id = self.conn.execute(
            sa.insert(alert_feedback)
            .values(
                group_id=feedback.group_id,
                choice=feedback.choice.value if feedback.choice else None,
                comment=feedback.comment,
                author=feedback.author,
                interface=feedback.interface,
                created_at=feedback.created_at,
            )
            .returning(alert_feedback.c.id)
        ).scalar_one()
        return Feedback(**{**feedback.__dict__, "id": int(new_id)})

    def thread(self, group_id: int) -> list[Feedback]:
        """The group's feedback and comments, oldest first."""
        rows = self.conn.execute(
            sa.select(alert_feedback)
            .where(alert_feedback.c.group_id == group_id)
            .order_by(alert_feedback.c.id)
        ).mappings()
        return [_feedback(r) for r in rows]

    def rule_of(self, group_id: int) -> tuple[str, str]:
        """(alertname, integration) of the group: its oldest alert's `alertname` label, else its title."""
        group = self.conn.execute(
            sa.select(alert_groups.c.title, alert_groups.c.integration_id).where(
                alert_groups.c.id == group_id
            )
        ).first()
        if group is None:
            raise NotFound(f"alert group {group_id} does not exist", field="group_id")
        labels = self.conn.execute(
            sa.select(alerts.c.labels).where(alerts.c.group_id == group_id).order_by(alerts.c.id).limit(1)
        ).scalar()
        name = labels.get("alertname") if isinstance(labels, dict) else None
        return (str(name) if name else str(group.title))[:500], str(group.integration_id)

    # ---- follow-ups ------------------------------------------------------------------------

    def add_follow_up(self, item: FollowUp) -> FollowUp:
        new_id = self.conn.execute(
            sa.insert(follow_ups).values(_follow_up_row(item)).returning(follow_ups.c.id)
        ).scalar_one()
        return FollowUp(**{**item.__dict__, "id": int(new_id)})

    def save_follow_up(self, item: FollowUp) -> None:
        self.conn.execute(
            sa.update(follow_ups).where(follow_ups.c.id == item.id).values(_follow_up_row(item))
        )

    def follow_up(self, item_id: int, *, for_update: bool = False) -> FollowUp:
        query = sa.select(follow_ups).where(follow_ups.c.id == item_id)
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"follow-up {item_id} does not exist", field="follow_up_id")
        return _follow_up(row)

    def follow_ups(self, flt: FollowUpFilter, limit: int = 100, offset: int = 0) -> list[FollowUp]:
        """Newest first."""
        query = sa.select(follow_ups).order_by(follow_ups.c.id.desc()).limit(limit).offset(offset)
        c = follow_ups.c
        if flt.status is not None:
            query = query.where(c.status == flt.status.value)
        if flt.owner_id is not None:
            query = query.where(c.owner_id == flt.owner_id)
        if flt.group_ids is not None:
            query = query.where(c.group_id.in_(flt.group_ids))
        if flt.hidden_incidents:
            hidden = sa.select(alert_groups.c.id).where(
                alert_groups.c.incident_id.in_(sorted(flt.hidden_incidents))
            )
            query = query.where(c.group_id.not_in(hidden))
        for column, lo, hi in (
            (c.created_at, flt.created_from, flt.created_to),
            (c.closed_at, flt.closed_from, flt.closed_to),
        ):
            if lo is not None:
                query = query.where(column >= lo)
            if hi is not None:
                query = query.where(column < hi)
        return [_follow_up(r) for r in self.conn.execute(query).mappings()]


def _feedback(r: sa.RowMapping) -> Feedback:
    return Feedback(
        group_id=r["group_id"],
        choice=FeedbackChoice(r["choice"]) if r["choice"] else None,
        comment=r["comment"],
        author=r["author"],
        interface=r["interface"],
        created_at=r["created_at"],
        id=r["id"],
    )


def _follow_up_row(item: FollowUp) -> dict[str, Any]:
    return {
        "group_id": item.group_id,
        "feedback_id": item.feedback_id,
        "reason": item.reason.value,
        "alertname": item.alertname,
        "integration_id": item.integration_id,
        "title": item.title,
        "owner_id": item.owner_id,
        "status": item.status.value,
        "created_by": item.created_by,
        "created_at": item.created_at,
        "closed_by": item.closed_by,
        "closed_at": item.closed_at,
        "close_note": item.close_note,
    }


def _follow_up(r: sa.RowMapping) -> FollowUp:
    return FollowUp(
        group_id=r["group_id"],
        reason=FeedbackChoice(r["reason"]),
        alertname=r["alertname"],
        integration_id=r["integration_id"],
        title=r["title"],
        owner_id=r["owner_id"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        status=FollowUpStatus(r["status"]),
        feedback_id=r["feedback_id"],
        closed_by=r["closed_by"],
        closed_at=r["closed_at"],
        close_note=r["close_note"],
        id=r["id"],
    )
