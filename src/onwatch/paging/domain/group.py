"""The alert group aggregate: its status, and the transitions people and sources make (pure).

    triggered --acknowledge--> acknowledged --resolve--> resolved
        ^                          |
        +-------- escalate --------+      (escalating by hand pages again: the group is triggered)

A resolved group is final: the next alert with its key opens a new group. Each transition changes
the group and returns the timeline events to append; refusing one raises a DomainError whose
message the web page shows next to the disabled button (group_refusals.py) and the API as a 409.
Side effects (stopping the escalation, engaging a role) belong to the callers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from onwatch.kernel.enums import EventKind
from onwatch.kernel.errors import DomainError, InvalidTransition
from onwatch.kernel.timeline import Actor, JSONValue, TimelineEvent
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import EscalationStatus

__all__ = ["AlertGroup", "EscalationStatus", "GroupStatus"]


@dataclass
class AlertGroup:
    id: int
    group_key: str
    integration_id: str
    service_id: str
    title: str
    severity: str
    status: GroupStatus
    alert_count: int
    firing_count: int
    event_count: int
    flap_history: list[str]
    flapping: bool
    in_maintenance: bool
    incident_id: int | None
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None

    @classmethod
    def of(cls, row: Mapping[Any, Any]) -> AlertGroup:
        """From a stored row (column name -> value)."""
        values = dict(row)
        values["status"] = GroupStatus(values["status"])
        values["flap_history"] = list(values["flap_history"])
        return cls(**values)

    # ---- transitions -----------------------------------------------------------------------

    def acknowledge(self, actor: Actor, now: datetime) -> list[TimelineEvent]:
        """Someone is working on it. Acknowledging again changes nothing."""
        if self.status is GroupStatus.RESOLVED:
            raise InvalidTransition(
                f"alert group {self.id} is resolved; nothing to acknowledge", field="status"
            )
        if self.status is GroupStatus.ACKNOWLEDGED:
            return []
        self.status = GroupStatus.ACKNOWLEDGED
        self.acknowledged_at, self.acknowledged_by, self.updated_at = now, actor.name, now
        return [self.event(EventKind.ACKNOWLEDGED, actor, now, f"{actor.name} acknowledged")]

    def resolve(self, actor: Actor, now: datetime, reason: str = "") -> list[TimelineEvent]:
        """Closed, with every alert in it. Resolving again changes nothing."""
        if self.status is GroupStatus.RESOLVED:
            return []
        self.status = GroupStatus.RESOLVED
        self.resolved_at, self.resolved_by, self.updated_at = now, actor.name, now
        self.firing_count = 0
        why = f": {reason}" if reason else ""
        return [self.event(EventKind.RESOLVED, actor, now, f"{actor.name} resolved the alert group{why}")]

    def escalate(
        self, actor: Actor, now: datetime, *, escalation: EscalationStatus | None, to_step: int
    ) -> list[TimelineEvent]:
        """Run escalation step `to_step` (1-based) now, acknowledged or not; the group is triggered
        again, since someone more is paged."""
        if self.status is GroupStatus.RESOLVED:
            raise InvalidTransition(
                f"alert group {self.id} is resolved; reopen by a new alert", field="status"
            )
        if escalation is None:
            raise DomainError("this alert group has no escalation (it opened in maintenance)", field="id")
        if self.status is GroupStatus.ACKNOWLEDGED:
            self.status, self.updated_at = GroupStatus.TRIGGERED, now
        return [
            self.event(EventKind.ESCALATED, actor, now, f"{actor.name} escalated by hand to step {to_step}")
        ]

    def check_page(self) -> None:
        """Paging someone by hand (outside the policy) needs a group still open."""
        if self.status is GroupStatus.RESOLVED:
            raise InvalidTransition(f"alert group {self.id} is resolved", field="status")

    def link(self, incident_id: int, actor: Actor, now: datetime) -> list[TimelineEvent]:
        """Belong to an incident: from now on the incident's timeline shows this group's pages and
        acknowledgements (those so far too). Linking to the same incident again changes nothing."""
        if self.incident_id == incident_id:
            return []
        self.check_unlinked()
        self.incident_id, self.updated_at = incident_id, now
        return [self.event(EventKind.LINKED, actor, now, f"linked to incident #{incident_id}")]

    def check_unlinked(self) -> None:
        if self.incident_id is not None:
            raise DomainError(
                f"alert group {self.id} already belongs to incident {self.incident_id}", field="id"
            )

    # ---- events ----------------------------------------------------------------------------

    def event(
        self,
        kind: EventKind,
        actor: Actor,
        now: datetime,
        message: str,
        data: Mapping[str, JSONValue] | None = None,
    ) -> TimelineEvent:
        """An event on this group's timeline."""
        return TimelineEvent(
            at=now,
            kind=kind,
            actor=actor.name,
            interface=actor.interface,
            message=message,
            data=data or {},
            group_id=self.id,
        )
