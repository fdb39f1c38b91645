"""What people (and sources) do to alert groups: acknowledge, resolve, escalate, page, link to an incident."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onwatch.db.uow import UnitOfWork
from onwatch.kernel.enums import EventKind
from onwatch.kernel.errors import DomainError, InvalidInput
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import Position, Target, TargetKind
from onwatch.paging.events import GroupAcknowledged
from onwatch.paging.pager import Pager, Recipient, correlation, timer_prefix
from onwatch.paging.store.groups import AlertGroupRecord


class GroupActions:
    """Runs inside the caller's transaction: state change, event, timers and outbox together."""

    def __init__(self, uow: UnitOfWork, pager: Pager, now: datetime) -> None:
        self.uow = uow
        self.pager = pager
        self.now = now

    def acknowledge(self, group: AlertGroupRecord, actor: Actor) -> None:
        if group.status is GroupStatus.RESOLVED:
            raise DomainError(f"alert group {group.id} is resolved; nothing to acknowledge", field="status")
        if group.status is GroupStatus.ACKNOWLEDGED:
            return
        self.uow.alerts.update_group(
            group.id,
            {
                "status": GroupStatus.ACKNOWLEDGED.value,
                "acknowledged_at": self.now,
                "acknowledged_by": actor.name,
                "updated_at": self.now,
            },
        )
        self._stop_escalation(group, "acknowledged")
        self.event(group, "acknowledged", actor, f"{actor.name} acknowledged", EventKind.ALERTS_ACKNOWLEDGED)
        self.uow.publish(GroupAcknowledged(group.id, actor, self.now))

    def resolve(self, group: AlertGroupRecord, actor: Actor, reason: str = "") -> None:
        if group.status is GroupStatus.RESOLVED:
            return
        self.uow.alerts.update_group(
            group.id,
            {
                "status": GroupStatus.RESOLVED.value,
                "resolved_at": self.now,
                "resolved_by": actor.name,
                "firing_count": 0,
                "updated_at": self.now,
            },
        )
        self.uow.alerts.resolve_alerts_of(group.id, self.now)
        self._stop_escalation(group, "resolved")
        why = f": {reason}" if reason else ""
        self.event(
            group, "resolved", actor, f"{actor.name} resolved the alert group{why}", EventKind.ALERTS_RESOLVED
        )

    def escalate(self, group: AlertGroupRecord, actor: Actor) -> None:
        """Run the next step of the escalation now ("page the IMOC now"), even if acknowledged."""
        if group.status is GroupStatus.RESOLVED:
            raise DomainError(f"alert group {group.id} is resolved; reopen by a new alert", field="status")
        escalation = self.uow.engine.current_escalation(group.id)
        if escalation is None:
            raise DomainError("this alert group has no escalation (it opened in maintenance)", field="id")
        following = escalation.policy.after(escalation.position) or Position(0, escalation.position.round + 1)
        self.uow.engine.cancel_timers(timer_prefix(escalation.id))
        self.uow.engine.update_escalation(escalation.id, self.now, status="active")
        if group.status is GroupStatus.ACKNOWLEDGED:
            self.uow.alerts.update_group(
                group.id, {"status": GroupStatus.TRIGGERED.value, "updated_at": self.now}
            )
        self.event(group, "escalated", actor, f"{actor.name} escalated by hand to step {following.step + 1}")
        self.pager.run(group, escalation.id, escalation.policy, following)

    def page(self, group: AlertGroupRecord, actor: Actor, target: Target) -> str:
        """Page one role or person now, outside the policy (the `/pd trigger` of the process)."""
        if group.status is GroupStatus.RESOLVED:
            raise DomainError(f"alert group {group.id} is resolved", field="status")
        recipient = self.pager.resolve_target(target)
        if recipient is None:
            what = (
                f"nobody is on call as {target.ref.upper()}"
                if target.kind is TargetKind.ROLE
                else "unknown person"
            )
            raise InvalidInput(f"cannot page: {what}", field=target.kind.value)
        stamp = self.now.strftime("%Y%m%dT%H%M%S%f")
        keys = [f"manual:{group.id}:{stamp}:{recipient.person}:{i}" for i in range(10)]
        self.pager.page_person(group, Recipient(recipient.person, f"{recipient.via} (by {actor.name})"), keys)
        return recipient.person

    def _stop_escalation(self, group: AlertGroupRecord, status: str) -> None:
        escalation = self.uow.engine.current_escalation(group.id)
        if escalation is not None and escalation.status == "active":
            self.uow.engine.update_escalation(escalation.id, self.now, status=status, next_at=None)
            self.uow.engine.cancel_timers(timer_prefix(escalation.id))
        self.uow.engine.cancel_outbox(correlation(group.id), self.now)

    def event(
        self,
        group: AlertGroupRecord,
        kind: str,
        actor: Actor,
        message: str,
        incident_kind: EventKind | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Record on the group's timeline and, when the group belongs to an incident, on the incident's."""
        self.uow.alerts.add_event(group.id, self.now, kind, actor.name, actor.interface.value, message, data)
        if group.incident_id is not None and incident_kind is not None:
            self.uow.incidents.append_event(
                group.incident_id,
                TimelineEvent(
                    at=self.now,
                    kind=incident_kind,
                    actor=actor.name,
                    interface=actor.interface,
                    message=f"alert group #{group.id}: {message}",
                    data={"alert_group": group.id, **(data or {})},
                ),
            )
