"""Property-based: any sequence of commands keeps exactly one owner; only the owner changes state and
status; a disruption resolves only after an IMOC engaged (a partial one after 30 minutes of
monitoring); a resolved incident's severity changes only by its IMOC; only the owner or the IMOC
reopens; only the CMOC or the owner posts public updates."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from onwatch.incidents.domain.incident import Incident
from onwatch.kernel.enums import EventKind, Interface, Role, Severity, State, Status
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor

PEOPLE = st.sampled_from(["ana", "ben", "cy", "dee", "eli"])
ROLES = st.sampled_from(list(Role))


def actor(name: str) -> Actor:
    return Actor.person(name, Interface.API)


def snapshot(i: Incident) -> Incident:
    clone = copy.deepcopy(i)
    clone.new_events = []
    clone.updated_at = None
    return clone


class IncidentMachine(RuleBasedStateMachine):
    incident: Incident

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 12, 1, tzinfo=UTC)

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def attempt(self, command: object) -> bool:
        """Run a command; a refused command must leave the incident exactly as it was."""
        before = snapshot(self.incident)
        events = len(self.incident.new_events)
        try:
            command()  # type: ignore[operator]
            return True
        except DomainError:
            assert snapshot(self.incident) == before
            assert len(self.incident.new_events) == events
            return False

    @initialize(who=PEOPLE, severity=st.sampled_from(list(Severity)), status=st.sampled_from(list(Status)))
    def declare(self, who: str, severity: Severity, status: Status) -> None:
        self.incident = Incident.declare(
            title="t", severity=severity, status=status, actor=actor(who), now=self.now
        )

    @rule(role=ROLES, person=PEOPLE, by=PEOPLE)
    def engage(self, role: Role, person: str, by: str) -> None:
        self.attempt(lambda: self.incident.engage_role(role, person, actor(by), self.tick()))

    @rule(role=ROLES, person=PEOPLE, by=PEOPLE)
    def assign(self, role: Role, person: str, by: str) -> None:
        self.attempt(lambda: self.incident.assign_role(role, person, actor(by), self.tick()))

    @rule(role=ROLES, person=PEOPLE)
    def renounce(self, role: Role, person: str) -> None:
        self.attempt(lambda: self.incident.renounce_role(role, person, actor(person), self.tick()))

    @rule(to=st.sampled_from(list(State)), by=PEOPLE)
    def change_state(self, to: State, by: str) -> None:
        i = self.incident
        owner_before, state_before, status_before = i.owner_id, i.state, i.status
        monitoring_since = i.monitoring_since
        imoc_engaged = any(a.role is Role.IMOC and a.engaged_at for a in i.roles)
        ok = self.attempt(lambda: i.change_state(to, actor(by), self.tick()))
        if ok and to is not state_before:
            assert by == owner_before, "someone other than the owner changed the state"
        if ok and to is State.RESOLVED and state_before is not State.RESOLVED:
            assert imoc_engaged or not status_before.requires_imoc, "a disruption resolved without the IMOC"
            if status_before is Status.PARTIAL_SERVICE_DISRUPTION:
                assert monitoring_since is not None and self.now - monitoring_since > timedelta(minutes=30)

    @rule(to=st.sampled_from(list(Status)), by=PEOPLE)
    def change_status(self, to: Status, by: str) -> None:
        owner_before, status_before = self.incident.owner_id, self.incident.status
        ok = self.attempt(lambda: self.incident.change_status(to, actor(by), self.tick()))
        if ok and to is not status_before:
            assert by == owner_before, "someone other than the owner changed the status"

    @rule(to=st.sampled_from(list(Severity)), by=PEOPLE, reason=st.sampled_from([None, "", "fewer users"]))
    def change_severity(self, to: Severity, by: str, reason: str | None) -> None:
        i = self.incident
        resolved, before = i.state is State.RESOLVED, i.severity
        imocs = {a.person_id for a in i.roles if a.role is Role.IMOC and a.engaged_at}
        ok = self.attempt(lambda: i.change_severity(to, actor(by), self.tick(), reason=reason))
        if ok and resolved and to is not before:
            assert by in imocs and reason, "a resolved incident's severity changed without its IMOC"

    @rule(by=PEOPLE)
    def reopen(self, by: str) -> None:
        i = self.incident
        owner = i.owner_id
        imocs = {a.person_id for a in i.roles if a.role is Role.IMOC and a.engaged_at}
        if self.attempt(lambda: i.reopen(actor(by), self.tick())):
            assert by == owner or by in imocs, "reopened by someone neither owner nor IMOC"

    @rule(by=PEOPLE)
    def post_update(self, by: str) -> None:
        i = self.incident
        cmoc = i.holder(Role.CMOC)
        allowed = {i.owner_id, cmoc.person_id if cmoc else i.owner_id}
        if self.attempt(lambda: i.post_update("We are looking into it.", actor(by), self.tick())):
            assert by in allowed, "a public update posted by someone neither CMOC nor owner"

    @invariant()
    def exactly_one_owner(self) -> None:
        i = self.incident
        assert isinstance(i.owner_id, str) and i.owner_id
        if i.owner_role is not None:
            holder = i.holder(i.owner_role)
            assert holder is not None and holder.person_id == i.owner_id
            # nobody engaged higher in the cascade than the owner's role
            for a in i.roles:
                if a.engaged and a.role.cascade_rank is not None:
                    assert a.role.cascade_rank <= (i.owner_role.cascade_rank or 0)

    @invariant()
    def one_holder_and_one_request_per_role(self) -> None:
        for role in Role:
            assert sum(1 for a in self.incident.roles if a.role is role and a.engaged) <= 1
            assert sum(1 for a in self.incident.roles if a.role is role and a.pending) <= 1

    @invariant()
    def resolved_means_operational(self) -> None:
        if self.incident.state is State.RESOLVED:
            assert self.incident.status is Status.OPERATIONAL

    @invariant()
    def imoc_required_only_without_an_engaged_imoc_on_an_active_incident(self) -> None:
        if self.incident.imoc_required:
            assert self.incident.holder(Role.IMOC) is None and self.incident.active

    @invariant()
    def ownership_changes_are_on_the_timeline(self) -> None:
        changes = [e for e in self.incident.new_events if e.kind is EventKind.OWNER_CHANGED]
        expected = changes[-1].data["to"] if changes else self.incident.declared_by
        assert expected == self.incident.owner_id


IncidentMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
test_incident_state_machine = IncidentMachine.TestCase
