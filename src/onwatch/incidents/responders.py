"""Responders beyond the four roles (PROCESS.md §2 rules 5 and 8): from an incident, page "someone who
knows X" (the on-call of the team owning X if it has a schedule, else the people who know X, those
reachable now first) or a named person, with the reason.

Each responder page is an alert group of its own on the incident, escalating along a snapshot built
here: the people paged, then their managers, then the managers' managers, each step waiting the
severity's responder ack timeout (`process.responder_ack_timeouts`). The pager's events land on the
incident's timeline; acknowledging the page stops the escalation in that same transaction (paging's
group acknowledgement) and marks the responder joined (`responder_joined`, a reaction)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import UnitOfWork
from onwatch.directory.experts import experts, require_expertise
from onwatch.directory.store import DirectoryRepository
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.role_pages import NO_SERVICE, alert_severity, open_page_group
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import EventKind
from onwatch.kernel.errors import InvalidInput
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.oncall.commands import people_on_call, schedule_on_call
from onwatch.paging.domain.escalation import PolicySnapshot, Step, Target, TargetKind
from onwatch.paging.pager import Pager
from onwatch.paging.store.groups import AlertGroupRecord, AlertRepository
from onwatch.paging.store.responders import ResponderRepository

MAX_REASON = 2000


def responder_policy(
    config: OnwatchConfig, paged: list[str], timeout: timedelta, label: str, policy_id: str
) -> PolicySnapshot:
    """Page `paged`, then each one's manager, then theirs, up the chart: nobody twice, each step
    `timeout` after the one before."""
    steps = [Step(tuple(Target(TargetKind.PERSON, p, label) for p in paged), timeout)]
    seen = set(paged)
    level = list(paged)
    while True:
        above: list[Target] = []
        for person_id in level:
            person = config.people.get(person_id)
            manager = person.manager if person is not None else None
            if manager is not None and manager not in seen:
                seen.add(manager)
                above.append(Target(TargetKind.PERSON, manager, f"manager of {person_id}"))
        if not above:
            break
        steps.append(Step(tuple(above), timeout))
        level = [t.ref for t in above]
    return PolicySnapshot(id=policy_id, name="responder page", steps=tuple(steps), repeat=0)


class ResponderPages:
    """Inside a command's unit of work, on the automation's Pager."""

    def __init__(self, uow: UnitOfWork, pager: Pager, now: datetime) -> None:
        self.uow = uow
        self.pager = pager
        self.now = now
        self.config = pager.applied.config

    def who_knows(self, expertise: str) -> tuple[list[str], str]:
        """Whom to page for an area, and why them: the owning team's on-call when its schedule has
        someone now, else the people who know it that are on call or in working hours (all of them
        if none is)."""
        area = require_expertise(self.config, expertise)
        team = self.config.teams.get(area.team) if area.team else None
        if team is not None and team.schedule is not None:
            person = schedule_on_call(self.uow, self.pager.applied, team.schedule, self.now)
            if person is not None:
                return [person], f"on call for team {team.name}, which owns {area.name}"
        on_call = people_on_call(self.uow, self.pager.applied, self.now)
        found = experts(self.config, expertise, on_call, self.now)
        if not found:
            raise InvalidInput(f"nobody is listed as knowing {expertise!r}", field="expertise")
        reachable = [e.person_id for e in found if e.reachable_now]
        if reachable:
            return reachable, f"knows {area.name} and can answer now"
        return [e.person_id for e in found], f"knows {area.name}"

    def page(
        self, incident: Incident, actor: Actor, *, expertise: str | None, person: str | None, reason: str
    ) -> int:
        """Page a responder for the incident; returns the alert group carrying the page."""
        assert incident.id is not None
        if (expertise is None) == (person is None):
            raise InvalidInput("name an area of expertise or a person, not both", field="expertise")
        if expertise is not None:
            expertise = expertise.strip().lower()
            paged, why = self.who_knows(expertise)
            wanted = f"someone who knows {self.config.expertise[expertise].name}"
        else:
            assert person is not None
            self.uow.repo(DirectoryRepository).require_person(person, field="person")
            if person not in self.config.people:
                raise InvalidInput(f"unknown person {person!r}", field="person")
            paged, why, wanted = [person], "asked for by name", self.config.people[person].name
        title = f"Needed on incident #{incident.id} ({incident.severity.label}): {wanted}: {incident.title}"
        group_id = open_page_group(
            self.uow,
            self.now,
            key=f"responder:{incident.id}:{uuid.uuid4().hex}",
            title=title,
            service=incident.services[0] if incident.services else NO_SERVICE,
            severity=alert_severity(incident.severity),
            incident_id=incident.id,
        )
        responder_id = self.uow.repo(ResponderRepository).add(
            {
                "incident_id": incident.id,
                "group_id": group_id,
                "expertise": expertise,
                "paged": paged,
                "reason": reason,
                "requested_by": actor.name,
                "asked_at": self.now,
            }
        )
        timeout = self.config.process.responder_ack_timeout(incident.severity)
        self.uow.repo(IncidentRepository).append_event(
            incident.id,
            TimelineEvent(
                at=self.now,
                kind=EventKind.RESPONDER_REQUESTED,
                actor=actor.name,
                interface=actor.interface,
                message=(
                    f"{actor.name} asked for {wanted}: {reason} (paging {', '.join(paged)}: {why}; "
                    f"their manager after {int(timeout.total_seconds() // 60)} min without an answer)"
                ),
                data={
                    "alert_group": group_id,
                    "expertise": expertise,
                    "paged": list(paged),
                    "reason": reason,
                },
            ),
        )
        self.uow.repo(AlertRepository).add_event(
            group_id,
            self.now,
            EventKind.OPENED,
            actor.name,
            actor.interface.value,
            f"{wanted} paged: {reason}",
        )
        label = f"responder for {wanted}" if expertise is not None else "responder"
        policy = responder_policy(self.config, paged, timeout, label, f"responder:{responder_id}")
        group = self.uow.repo(AlertRepository).group(group_id)
        self.pager.start_snapshot(group, policy, {"responder": responder_id})
        return group_id


def responder_joined(uow: UnitOfWork, group: AlertGroupRecord, actor: Actor, now: datetime) -> None:
    """The responder page was acknowledged: whoever took it (the expert, or a manager) joined."""
    found = uow.repo(ResponderRepository).for_group(group.id)
    if found is None or found.joined_at is not None or actor.person_id is None:
        return
    uow.repo(ResponderRepository).mark_joined(found.id, actor.person_id, now)
    minutes = int((now - found.asked_at).total_seconds() // 60)
    uow.repo(IncidentRepository).append_event(
        found.incident_id,
        TimelineEvent(
            at=now,
            kind=EventKind.RESPONDER_JOINED,
            actor=actor.name,
            interface=actor.interface,
            message=(
                f"{actor.person_id} joined as {found.wanted}, {minutes} min after {found.requested_by} asked"
            ),
            data={"alert_group": group.id, "expertise": found.expertise, "person": actor.person_id},
        ),
    )
