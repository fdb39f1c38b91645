"""Acknowledging means joining (PROCESS.md §3 rule 7): for S1/S2, whoever acknowledges a page of the
incident, from any interface, is announced in the production channel as joining the situation room."""

from __future__ import annotations

from onwatch.incidents.automation import IncidentAutomation
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import EventKind, Severity
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.notify.base import Notification
from onwatch.paging.outreach import post_to_channel
from onwatch.paging.store.groups import AlertGroupRecord

PRODUCTION = "production"


def announce_joining(automation: IncidentAutomation, group: AlertGroupRecord, actor: Actor) -> None:
    """Post "<person> acknowledged and is joining the situation room <link>" to #production."""
    uow, applied, now = automation.uow, automation.applied, automation.now
    person = actor.person_id
    if group.incident_id is None or person is None or PRODUCTION not in applied.config.channels:
        return
    incident = uow.repo(IncidentRepository).get(group.incident_id)
    if not incident.active or incident.severity > Severity.S2 or incident.confidential:
        return  # confidential incidents are never announced outside #incident-management
    people = applied.config.people
    name = people[person].name if person in people else person
    room = applied.config.organisation.situation_room
    text = f"{name} acknowledged and is joining the situation room" + (f" {room}" if room else "")
    note = Notification(
        kind="notice",
        title=f"{incident.severity.label} incident #{incident.id}: {text}",
        text=text,
        severity=incident.severity.label,
        links={"situation_room": str(room)} if room else {},
        ref={"incident": incident.id, "alert_group": group.id},
    )
    key = f"joining:{incident.id}:{group.id}:{person}:{now.isoformat()}"
    if post_to_channel(uow, applied, PRODUCTION, note, key, now, f"incident:{incident.id}"):
        channel = applied.config.channels[PRODUCTION].name
        uow.repo(IncidentRepository).append_event(
            group.incident_id,
            TimelineEvent(
                at=now,
                kind=EventKind.ANNOUNCED,
                actor=actor.name,
                interface=actor.interface,
                message=f"posted in {channel}: {text}",
                data={"channels": [channel]},
            ),
        )
