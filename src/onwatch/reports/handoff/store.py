"""What a shift saw, read set-based from the timeline, incidents, alert groups, follow-ups and
handoff notes (one query each), for the report at its handoff (reports/handoff/domain.py)."""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.tables import alert_groups, incidents, timeline_events
from onwatch.kernel.enums import EventKind
from onwatch.oncall.store import OnCallRepository
from onwatch.reports.feedback.store import FeedbackRepository, FollowUpFilter
from onwatch.reports.handoff.domain import Line, ShiftReport
from onwatch.reports.handoff.shifts import Handoff

LIMIT = 200  # per section: more than any report lists (it says "and N more")


class ShiftRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def _confidential(self) -> set[int]:
        ids = self.conn.execute(sa.select(incidents.c.id).where(incidents.c.confidential.is_(True)))
        return {int(i) for i in ids.scalars()}

    def report(self, handoff: Handoff) -> ShiftReport:
        """The report of the shift that ends at `handoff`: confidential incidents and their groups are
        counted, not named (the report goes out by mail and chat)."""
        start, end = handoff.shift_start, handoff.at
        secret = self._confidential()
        withheld: set[int] = set()
        pages: list[Line] = []
        if handoff.outgoing is not None:
            rows = self.conn.execute(
                sa.select(
                    timeline_events.c.at, alert_groups.c.id, alert_groups.c.title, alert_groups.c.incident_id
                )
                .join(alert_groups, alert_groups.c.id == timeline_events.c.group_id)
                .where(
                    timeline_events.c.kind == EventKind.PAGED.value,
                    timeline_events.c.person == handoff.outgoing,
                    timeline_events.c.at >= start,
                    timeline_events.c.at < end,
                )
                .order_by(timeline_events.c.id)
                .limit(LIMIT)
            )
            for at, gid, title, incident_id in rows:
                if incident_id in secret:
                    withheld.add(incident_id)
                    continue
                pages.append(Line(f"{at:%a %H:%M} UTC alert group #{gid}: {title}", gid))
        seen = self.conn.execute(
            sa.select(
                incidents.c.id,
                incidents.c.title,
                incidents.c.severity,
                incidents.c.state,
                incidents.c.declared_at,
            )
            .where(sa.or_(incidents.c.resolved_at.is_(None), incidents.c.declared_at >= start))
            .where(incidents.c.declared_at < end)
            .order_by(incidents.c.id)
            .limit(LIMIT)
        )
        incident_lines: list[Line] = []
        for iid, title, severity, state, declared_at in seen:
            if iid in secret:
                withheld.add(iid)
                continue
            when = "declared this shift" if declared_at >= start else "open"
            incident_lines.append(Line(f"#{iid} [S{severity}] {title}: {state} ({when})", iid))
        open_rows = self.conn.execute(
            sa.select(
                alert_groups.c.id, alert_groups.c.title, alert_groups.c.status, alert_groups.c.incident_id
            )
            .where(alert_groups.c.status != "resolved", alert_groups.c.created_at < end)
            .order_by(alert_groups.c.id)
            .limit(LIMIT)
        )
        groups: list[Line] = []
        for gid, title, status, incident_id in open_rows:
            if incident_id in secret:
                withheld.add(incident_id)
                continue
            groups.append(Line(f"#{gid} {title} ({status})", gid))
        feedback = FeedbackRepository(self.conn)
        opened = feedback.follow_ups(FollowUpFilter(created_from=start, created_to=end), LIMIT)
        closed = feedback.follow_ups(FollowUpFilter(closed_from=start, closed_to=end), LIMIT)
        # a follow-up is titled after its alert rule, which may name a confidential incident's alerts
        secret_groups = (
            dict(
                self.conn.execute(
                    sa.select(alert_groups.c.id, alert_groups.c.incident_id).where(
                        alert_groups.c.incident_id.in_(secret)
                    )
                ).all()
            )
            if secret
            else {}
        )
        for item in [*opened, *closed]:
            if item.group_id in secret_groups:
                withheld.add(secret_groups[item.group_id])
        opened = [f for f in opened if f.group_id not in secret_groups]
        closed = [f for f in closed if f.group_id not in secret_groups]
        notes = OnCallRepository(self.conn).notes(handoff.role.value, start)
        return ShiftReport(
            role=handoff.role,
            at=end,
            shift_start=start,
            outgoing=handoff.outgoing,
            incoming=handoff.incoming,
            pages=pages,
            incidents=incident_lines,
            open_groups=groups,
            follow_ups_opened=[
                Line(f"#{f.id} {f.title} (owner {f.owner_id or 'nobody'})", f.id) for f in reversed(opened)
            ],
            rule_changes=[
                Line(f"#{f.id} {f.rule}: {f.close_note or 'closed'} ({f.closed_by})", f.id)
                for f in reversed(closed)
            ],
            notes=[Line(f"{n.author}: {n.text}", n.id) for n in reversed(notes) if n.created_at < end],
            withheld=len(withheld),
        )
