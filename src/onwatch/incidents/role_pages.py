"""Paging a role of the process (EOC, IMOC, CMOC, security) for an incident or a report.

A role page is an alert group of its own, so it is acknowledged, escalated and shown like any
other page: with a link, the API, the CLI or chat. Acknowledging it engages the role on the
incident (incidents/engagement.py). An unacknowledged role page escalates after the ack timeout
along the process's escalation policy (IMOC -> the director, CMOC -> the IMOC).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from onwatch.db.uow import UnitOfWork
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import EventKind, Interface, Role, Severity
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import PolicySnapshot, role_page_policy
from onwatch.paging.group_actions import GroupActions
from onwatch.paging.pager import ROLE_PAGE_SOURCE, Pager
from onwatch.paging.store.groups import AlertRepository
from onwatch.paging.store.role_pages import RolePageRepository

NO_SERVICE = "-"
STAND_DOWN = Actor(name="onwatch", interface=Interface.ENGINE)


def base_policy(pager: Pager) -> PolicySnapshot | None:
    config = pager.applied.config
    policy_id = config.process.escalation_policy or (
        "default" if "default" in config.escalation_policies else None
    )
    policy = config.escalation_policies.get(policy_id) if policy_id else None
    return policy.snapshot(policy_id) if policy is not None and policy_id is not None else None


def alert_severity(severity: Severity) -> str:
    return "critical" if severity <= Severity.S2 else "warning"


class RolePages:
    def __init__(self, uow: UnitOfWork, pager: Pager, now: datetime) -> None:
        self.uow = uow
        self.pager = pager
        self.now = now

    def page_for_incident(self, incident: Incident, role: Role, actor: Actor, reason: str) -> int | None:
        """Page `role` for the incident unless a page to it is still open; returns the alert group."""
        assert incident.id is not None
        if self.uow.repo(RolePageRepository).open_role_page(incident.id, role) is not None:
            return None
        title = (
            f"{role.name} needed for incident #{incident.id} ({incident.severity.label}): {incident.title}"
        )
        group_id = self._open(
            key=f"incident:{incident.id}:{role.value}",
            title=title,
            service=incident.services[0] if incident.services else NO_SERVICE,
            severity=alert_severity(incident.severity),
            incident_id=incident.id,
        )
        self.uow.repo(RolePageRepository).add_role_page(
            {
                "group_id": group_id,
                "incident_id": incident.id,
                "role": role.value,
                "reason": reason,
                "requested_by": actor.name,
                "contact": None,
                "created_at": self.now,
            }
        )
        self.uow.repo(IncidentRepository).append_event(
            incident.id,
            TimelineEvent(
                at=self.now,
                kind=EventKind.PAGED,
                actor=actor.name,
                interface=actor.interface,
                message=f"{actor.name} paged the {role.name}: {reason}",
                data={"role": role.value, "alert_group": group_id, "reason": reason},
                role=role,
            ),
        )
        self._escalate(group_id, role, actor, reason)
        return group_id

    def stand_down_superseded(self, incident: Incident) -> None:
        """A role page stands down once someone else engages that role: the page to A stops
        escalating when B engages, and both timelines say why (the group's resolution names B;
        the incident shows it)."""
        assert incident.id is not None
        for page in self.uow.repo(RolePageRepository).open_role_pages(incident.id):
            held = incident.holder(page.role)
            if held is None or held.person_id == page.engaged_by:
                continue
            group = self.uow.repo(AlertRepository).group(page.group_id, for_update=True)
            GroupActions(self.uow, self.pager, self.now).resolve(
                group,
                STAND_DOWN,
                f"stood down: {held.person_id} engaged as {page.role.name} on incident #{incident.id}",
            )

    def page_without_incident(self, role: Role, reason: str, actor: Actor) -> int:
        """Page a role on demand with no incident (the process's `/pd trigger`): a role page that
        escalates like any other; whoever acknowledges it is engaged once an incident is declared
        from it."""
        group_id = self._open(
            key=f"page:{role.value}:{uuid.uuid4().hex}",
            title=f"{role.name} paged by {actor.name}: {reason}"[:500],
            service=NO_SERVICE,
            severity="critical",
            incident_id=None,
        )
        self.uow.repo(RolePageRepository).add_role_page(
            {
                "group_id": group_id,
                "incident_id": None,
                "role": role.value,
                "reason": reason,
                "requested_by": actor.name,
                "contact": None,
                "created_at": self.now,
            }
        )
        self._escalate(group_id, role, actor, reason)
        return group_id

    def page_for_report(self, text: str, service: str | None, actor: Actor) -> int:
        """Anyone reports an anomaly: the EOC is paged and the reporter stays the contact."""
        group_id = self._open(
            key=f"report:{uuid.uuid4().hex}",
            title=f"Reported by {actor.name}: {text}"[:500],
            service=service or NO_SERVICE,
            severity="warning",
            incident_id=None,
        )
        self.uow.repo(RolePageRepository).add_role_page(
            {
                "group_id": group_id,
                "incident_id": None,
                "role": Role.EOC.value,
                "reason": text,
                "requested_by": actor.name,
                "contact": actor.person_id,
                "created_at": self.now,
            }
        )
        self._escalate(group_id, Role.EOC, actor, f"report: {text}")
        return group_id

    def _open(self, *, key: str, title: str, service: str, severity: str, incident_id: int | None) -> int:
        return open_page_group(
            self.uow,
            self.now,
            key=key,
            title=title,
            service=service,
            severity=severity,
            incident_id=incident_id,
        )

    def _escalate(self, group_id: int, role: Role, actor: Actor, reason: str) -> None:
        self.uow.repo(AlertRepository).add_event(
            group_id,
            self.now,
            EventKind.OPENED,
            actor.name,
            actor.interface.value,
            f"{role.name} paged: {reason}",
        )
        policy = role_page_policy(
            base_policy(self.pager), role, self.pager.applied.config.process.ack_timeout
        )
        self.pager.start_snapshot(
            self.uow.repo(AlertRepository).group(group_id), policy, {"role": role.value}
        )


def open_page_group(
    uow: UnitOfWork,
    now: datetime,
    *,
    key: str,
    title: str,
    service: str,
    severity: str,
    incident_id: int | None,
) -> int:
    """The alert group of a page onwatch sends itself (a role, a report, a responder): one alert, firing."""
    return uow.repo(AlertRepository).insert_group(
        {
            "group_key": key,
            "integration_id": ROLE_PAGE_SOURCE,
            "service_id": service,
            "title": title[:500],
            "severity": severity,
            "status": GroupStatus.TRIGGERED.value,
            "alert_count": 1,
            "firing_count": 1,
            "event_count": 1,
            "flap_history": [],
            "flapping": False,
            "in_maintenance": False,
            "incident_id": incident_id,
            "created_at": now,
            "updated_at": now,
        }
    )
