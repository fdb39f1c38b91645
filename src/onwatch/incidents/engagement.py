"""Acknowledging a role page engages that role on its incident (PROCESS.md §2: ownership cascades
as roles engage); acknowledging a report tells the reporter the EOC is on it."""

from __future__ import annotations

from onwatch.config.role_teams import role_team_refusal
from onwatch.db.uow import UnitOfWork
from onwatch.incidents.automation import IncidentAutomation
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import EventKind, Role
from onwatch.kernel.timeline import Actor
from onwatch.notify.base import Notification
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.outreach import notify_person
from onwatch.paging.store.groups import AlertGroupRecord, AlertRepository
from onwatch.paging.store.role_pages import RolePageRepository


def engage_from_acknowledgement(
    automation: IncidentAutomation, group: AlertGroupRecord, actor: Actor
) -> None:
    uow, pager, now = automation.uow, automation.pager, automation.now
    page = uow.repo(RolePageRepository).role_page_for_group(group.id)
    if page is None:
        _engage_on_linked_incident(automation, group, actor)
        return
    if actor.person_id is None or page.engaged_at is not None:
        return
    person = actor.person_id
    uow.repo(RolePageRepository).mark_engaged(page.id, person, now)
    if page.incident_id is not None:
        incident = uow.repo(IncidentRepository).get(page.incident_id, for_update=True)
        # someone outside the role's team who took the page (the IMOC a CMOC page escalated to)
        # stops its escalation but does not become the role's holder
        if incident.active and role_team_refusal(pager.applied.config, page.role, person) is None:
            incident.engage_role(page.role, person, actor, now)
            changes = list(incident.new_events)
            uow.repo(IncidentRepository).save(incident)
            automation.react(incident)
            automation.relay(incident, changes)
    if page.contact is not None and page.contact != person:
        people = pager.applied.config.people
        name = people[person].name if person in people else person
        notify_person(
            uow,
            pager.applied,
            page.contact,
            Notification(
                kind="notice",
                title=f"{name} ({page.role.name}) is looking into your report",
                text=f"Your report: {page.reason}",
                recipient=page.contact,
                links={"view": f"{pager.signer.public_url}/alerts/{group.id}"},
                ref={"alert_group": group.id},
            ),
            f"report-engaged:{page.id}",
            now,
            f"report:{page.id}",
            first_method_only=True,
        )
        uow.repo(AlertRepository).add_event(
            group.id,
            now,
            EventKind.CONTACT_TOLD,
            "onwatch",
            "engine",
            f"told the reporter {page.contact} that {person} engaged",
        )


def _engage_on_linked_incident(automation: IncidentAutomation, group: AlertGroupRecord, actor: Actor) -> None:
    """A monitoring page of an incident's alert group, acknowledged by the person it paged as a role
    (the EOC, say), engages them in that role on the incident."""
    uow, now = automation.uow, automation.now
    if group.incident_id is None or actor.person_id is None:
        return
    role = uow.repo(AlertRepository).paged_role(group.id, actor.person_id)
    if role is None:
        return
    incident = uow.repo(IncidentRepository).get(group.incident_id, for_update=True)
    if not incident.active or incident.holder(role) is not None:
        return
    if role_team_refusal(automation.applied.config, role, actor.person_id) is not None:
        return
    incident.engage_role(role, actor.person_id, actor, now)
    changes = list(incident.new_events)
    uow.repo(IncidentRepository).save(incident)
    automation.react(incident)
    automation.relay(incident, changes)


def engaged_from_group(uow: UnitOfWork, group: AlertGroupRecord) -> tuple[str, Role] | None:
    """Who already engaged on this page, and as what, for declaring an incident from it: the person
    who took a report or a role page, or who acknowledged a monitoring page sent to them as a role."""
    page = uow.repo(RolePageRepository).role_page_for_group(group.id)
    if page is not None:
        return (page.engaged_by, page.role) if page.engaged_by is not None else None
    person = group.acknowledged_by
    if group.status is not GroupStatus.ACKNOWLEDGED or person is None:
        return None
    role = uow.repo(AlertRepository).paged_role(group.id, person)
    return (person, role) if role is not None else None
