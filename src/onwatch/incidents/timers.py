"""Timers of the incident process: Investigating too long -> page the IMOC; public update due ->
remind the CMOC (or the owner); no public update 5 minutes in -> flag, 1 hour in -> deadline missed.

Each handler re-reads the incident under a row lock and re-checks its rule: a timer whose reason
went away (the IMOC engaged, an update was posted) does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from onwatch.db.timers import TimerRecord
from onwatch.db.uow import UnitOfWork
from onwatch.engine.timers import TimerKinds
from onwatch.incidents import announcements
from onwatch.incidents.automation import (
    ENGINE,
    INVESTIGATING,
    PUBLIC_CHECK,
    UPDATE_DUE,
    IncidentAutomation,
    timer_key,
)
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.domain.rules import (
    communications_holder,
    eoc_engaged_at,
    investigating_deadline,
    next_update_due,
    public_updates_expected,
    update_interval,
)
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import EventKind, Role
from onwatch.kernel.errors import NotFound
from onwatch.kernel.timeline import JSONValue, TimelineEvent
from onwatch.notify.base import Notification
from onwatch.paging.outreach import notify_person
from onwatch.paging.timers import PagingPass

Handler = Callable[[UnitOfWork, IncidentAutomation, TimerRecord, datetime], None]


def _hhmm(at: datetime) -> str:
    return at.strftime("%H:%M UTC")


def _load(uow: UnitOfWork, timer: TimerRecord) -> Incident | None:
    try:
        incident = uow.repo(IncidentRepository).get(int(timer.payload["incident_id"]), for_update=True)
    except NotFound:
        return None
    return incident if incident.active else None


def _note(
    uow: UnitOfWork, incident_id: int, kind: EventKind, message: str, now: datetime, **data: JSONValue
) -> None:
    uow.repo(IncidentRepository).append_event(
        incident_id,
        TimelineEvent(
            at=now, kind=kind, actor=ENGINE.name, interface=ENGINE.interface, message=message, data=data
        ),
    )


def investigating_too_long(
    uow: UnitOfWork, automation: IncidentAutomation, timer: TimerRecord, now: datetime
) -> None:
    incident = _load(uow, timer)
    if incident is None or incident.id is None:
        return
    limit = automation.applied.config.process.investigating_escalation
    deadline = investigating_deadline(incident, limit)
    if deadline is None:
        return
    if deadline > now:  # the EOC re-engaged later, say: the timers are simply out of date
        automation.schedule(incident)
        return
    engaged = eoc_engaged_at(incident)
    assert engaged is not None
    minutes = int(limit.total_seconds() // 60)
    reason = f"Investigating for more than {minutes} minutes since the EOC engaged at {_hhmm(engaged)}"
    if automation.pages.page_for_incident(incident, Role.IMOC, ENGINE, reason) is None:
        _note(uow, incident.id, EventKind.REMINDER, f"{reason}; the IMOC page is still open", now)


def update_due(uow: UnitOfWork, automation: IncidentAutomation, timer: TimerRecord, now: datetime) -> None:
    incident = _load(uow, timer)
    if incident is None or incident.id is None:
        return
    applied = automation.applied
    cadence = announcements.cadence_of(applied)
    due = next_update_due(incident, cadence)
    interval = update_interval(incident.severity, incident.state, cadence)
    if due is None or interval is None:
        return
    if due > now:
        automation.schedule(incident)
        return
    person = communications_holder(incident)
    as_role = "CMOC" if incident.holder(Role.CMOC) is not None else "owner"
    minutes = int(interval.total_seconds() // 60)
    rule = f"{incident.severity.label} {incident.state.value}: every {minutes} minutes"
    link = announcements.links(automation.pager.signer.public_url, applied, incident.id)
    notify_person(
        uow,
        applied,
        person,
        Notification(
            kind="reminder",
            title=f"Public update due for incident #{incident.id}: {incident.title}",
            text=f"The status page update was due at {_hhmm(due)} ({rule}). Post an update now.",
            severity=incident.severity.label,
            recipient=person,
            links={"incident": link["incident"]},
            ref={"incident": incident.id},
        ),
        f"remind:{incident.id}:{timer.due_at.isoformat()}",
        now,
        f"incident:{incident.id}",
        first_method_only=True,
    )
    _note(
        uow,
        incident.id,
        EventKind.REMINDER,
        f"public update overdue (due {_hhmm(due)}, {rule}); reminded {person} ({as_role})",
        now,
        due=due.isoformat(),
        person=person,
    )
    automation.schedule(incident)


def public_check(uow: UnitOfWork, automation: IncidentAutomation, timer: TimerRecord, now: datetime) -> None:
    incident = _load(uow, timer)
    if incident is None or incident.id is None:
        return
    if not public_updates_expected(incident) or incident.last_public_update_at is not None:
        return
    applied, public_url = automation.applied, automation.pager.signer.public_url
    within = applied.config.process.public_update_within
    deadline = incident.declared_at + within
    if timer.payload.get("stage") == "deadline":
        minutes = int(within.total_seconds() // 60)
        message = f"no public update within {minutes} minutes: deadline {_hhmm(deadline)} missed"
    else:
        age = int((timer.due_at - incident.declared_at).total_seconds() // 60)
        message = f"{age} minutes in with no public update: communicate publicly by {_hhmm(deadline)}"
    _note(uow, incident.id, EventKind.PUBLIC_UPDATE_MISSING, message, now, deadline=deadline.isoformat())
    person = communications_holder(incident)
    notify_person(
        uow,
        applied,
        person,
        Notification(
            kind="public_update_missing",
            title=f"Incident #{incident.id} needs a public update: {incident.title}",
            text=message,
            severity=incident.severity.label,
            recipient=person,
            links={"incident": announcements.links(public_url, applied, incident.id)["incident"]},
            ref={"incident": incident.id},
        ),
        f"{timer_key(incident.id, 'public')}{timer.payload.get('stage')}",
        now,
        f"incident:{incident.id}",
        first_method_only=True,
    )


def register(kinds: TimerKinds, paging: PagingPass) -> None:
    """The incident process's timer kinds; their automation pages through the pass's shared Pager."""
    handlers: dict[str, Handler] = {
        INVESTIGATING: investigating_too_long,
        UPDATE_DUE: update_due,
        PUBLIC_CHECK: public_check,
    }
    for kind, handler in handlers.items():
        kinds.register(kind, _paging_through(paging, handler))


def _paging_through(
    paging: PagingPass, handler: Handler
) -> Callable[[UnitOfWork, TimerRecord, datetime], None]:
    def run(uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        handler(uow, IncidentAutomation(uow, paging.pager(uow, now), now), timer, now)

    return run
