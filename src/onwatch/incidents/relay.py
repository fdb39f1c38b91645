"""The incident-management channel carries the internal updates (PROCESS.md §9): every state,
status, severity and role change and every public update, posted as it happens in the command's
transaction. Which changes a channel gets is its `incident_updates` (default: all of them for
`incident_management`, none elsewhere)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from onwatch.config.cache import AppliedConfig
from onwatch.config.schema import IncidentChange
from onwatch.db.uow import UnitOfWork
from onwatch.incidents.domain.incident import Incident
from onwatch.kernel.enums import EventKind
from onwatch.kernel.timeline import TimelineEvent
from onwatch.notify.base import Notification
from onwatch.paging.outreach import post_to_channel

INCIDENT_MANAGEMENT = "incident_management"
CHANGE_OF: dict[EventKind, IncidentChange] = {
    EventKind.STATE_CHANGED: IncidentChange.STATE,
    EventKind.REOPENED: IncidentChange.STATE,
    EventKind.STATUS_CHANGED: IncidentChange.STATUS,
    EventKind.SEVERITY_CHANGED: IncidentChange.SEVERITY,
    EventKind.ROLE_ASSIGNED: IncidentChange.ROLES,
    EventKind.ROLE_ENGAGED: IncidentChange.ROLES,
    EventKind.ROLE_RENOUNCED: IncidentChange.ROLES,
    EventKind.OWNER_CHANGED: IncidentChange.ROLES,
    EventKind.PUBLIC_UPDATE: IncidentChange.PUBLIC_UPDATES,
}


def subscribed(applied: AppliedConfig, channel_id: str) -> frozenset[IncidentChange]:
    channel = applied.config.channels[channel_id]
    if channel.incident_updates is not None:
        return frozenset(channel.incident_updates)
    return frozenset(IncidentChange) if channel_id == INCIDENT_MANAGEMENT else frozenset()


def relay_changes(
    uow: UnitOfWork,
    applied: AppliedConfig,
    public_url: str,
    incident: Incident,
    events: Sequence[TimelineEvent],
    now: datetime,
) -> None:
    """Post the command's changes to each channel that carries them (one post per channel)."""
    assert incident.id is not None
    changes = [(CHANGE_OF[e.kind], e) for e in events if e.kind in CHANGE_OF]
    if not changes:
        return
    for channel_id in applied.config.channels:
        wanted = subscribed(applied, channel_id)
        lines = [e.message for change, e in changes if change in wanted]
        if not lines:
            continue
        if incident.confidential and channel_id != INCIDENT_MANAGEMENT:
            continue  # confidential incidents are never announced outside #incident-management
        note = Notification(
            kind="incident_update",
            title=f"{incident.severity.label} incident #{incident.id}: {incident.title}",
            text="\n".join(lines),
            severity=incident.severity.label,
            service=",".join(incident.services),
            links={"incident": f"{public_url}/incidents/{incident.id}"},
            facts={
                "state": incident.state.value,
                "status": incident.status.title,
                "owner": incident.owner_id,
            },
            ref={"incident": incident.id},
        )
        key = f"relay:{incident.id}:{incident.version}:{now.isoformat()}"
        post_to_channel(uow, applied, channel_id, note, key, now, f"incident:{incident.id}")
