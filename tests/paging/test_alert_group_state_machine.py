"""Property-based: whatever people and sources do to an alert group, in any order, a resolved group
stays resolved, every change is on its timeline and nothing else is, a refused action changes
nothing and says so with the same reason the alert page shows beside the disabled button."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from onwatch.kernel.enums import EventKind, Interface
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.paging.domain import group_refusals as refusals
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.group import AlertGroup, EscalationStatus

PEOPLE = st.sampled_from(["ana", "ben", "integration:am"])
ESCALATIONS = st.sampled_from([None, *EscalationStatus])
T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def new_group() -> AlertGroup:
    return AlertGroup(
        id=7, group_key="k", integration_id="am", service_id="web", title="HighErrorRate", severity="critical",
        status=GroupStatus.TRIGGERED, alert_count=1, firing_count=1, event_count=1, flap_history=[],
        flapping=False, in_maintenance=False, incident_id=None, created_at=T0, updated_at=T0,
        acknowledged_at=None, acknowledged_by=None, resolved_at=None, resolved_by=None,
    )  # fmt: skip


def actor(name: str) -> Actor:
    return (
        Actor(name, Interface.INTEGRATION)
        if name.startswith("integration:")
        else Actor.person(name, Interface.API)
    )


class AlertGroupMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.group = new_group()
        self.now = T0
        self.timeline: list[TimelineEvent] = []
        self.was_resolved = False

    def attempt(self, refusal: str | None, command: object) -> None:
        """The refusal asked beforehand is exactly what running the command says."""
        before = copy.deepcopy(self.group)
        self.now += timedelta(minutes=1)
        try:
            events = command()  # type: ignore[operator]
        except DomainError as exc:
            assert exc.message == refusal
            assert self.group == before, "a refused action changed the group"
            return
        assert isinstance(events, list)
        if refusal is not None:  # "already ...": allowed, and a no-op
            assert events == [] and self.group == before
        if self.group != before:
            assert events, "a change without an event"
        elif events:  # an escalation by hand pages again: the escalation changes, not the group
            assert [e.kind for e in events] == [EventKind.ESCALATED]
        assert all(e.group_id == self.group.id and e.at == self.now for e in events)
        self.timeline += events

    @rule(who=PEOPLE)
    def acknowledge(self, who: str) -> None:
        why = refusals.acknowledge_refusal(self.group, actor(who), self.now)
        self.attempt(why, lambda: self.group.acknowledge(actor(who), self.now))

    @rule(who=PEOPLE, reason=st.sampled_from(["", "fixed"]))
    def resolve(self, who: str, reason: str) -> None:
        why = refusals.resolve_refusal(self.group, actor(who), self.now)
        self.attempt(why, lambda: self.group.resolve(actor(who), self.now, reason))
        self.was_resolved = self.was_resolved or self.group.status is GroupStatus.RESOLVED

    @rule(who=PEOPLE, escalation=ESCALATIONS)
    def escalate(self, who: str, escalation: EscalationStatus | None) -> None:
        why = refusals.escalate_refusal(self.group, actor(who), self.now, escalation)
        self.attempt(why, lambda: self.group.escalate(actor(who), self.now, escalation=escalation, to_step=2))

    @rule(who=PEOPLE, incident=st.sampled_from([1, 2]))
    def link(self, who: str, incident: int) -> None:
        linked = self.group.incident_id == incident
        why = None if linked else refusals.link_refusal(self.group)
        self.attempt(why, lambda: self.group.link(incident, actor(who), self.now))

    @invariant()
    def resolved_is_final(self) -> None:
        assert not self.was_resolved or self.group.status is GroupStatus.RESOLVED

    @invariant()
    def the_facts_match_the_status(self) -> None:
        g = self.group
        if g.status is GroupStatus.RESOLVED:
            assert g.resolved_at is not None and g.resolved_by is not None and g.firing_count == 0
        if g.status is GroupStatus.ACKNOWLEDGED:
            assert g.acknowledged_at is not None and g.acknowledged_by is not None

    @invariant()
    def the_timeline_tells_the_story(self) -> None:
        kinds = [e.kind for e in self.timeline]
        assert kinds.count(EventKind.RESOLVED) == int(self.group.status is GroupStatus.RESOLVED)
        assert kinds.count(EventKind.LINKED) == int(self.group.incident_id is not None)
        if EventKind.RESOLVED in kinds:
            assert kinds[-1] is EventKind.RESOLVED or kinds[-1] is EventKind.LINKED
        assert all(
            e.kind.on_incident is not None or e.kind in (EventKind.ESCALATED, EventKind.LINKED)
            for e in self.timeline
        )
        assert [e.at for e in self.timeline] == sorted(e.at for e in self.timeline)

    @invariant()
    def a_page_by_hand_needs_an_open_group(self) -> None:
        assert (refusals.page_refusal(self.group) is None) == (self.group.status is not GroupStatus.RESOLVED)


TestAlertGroupMachine = AlertGroupMachine.TestCase
TestAlertGroupMachine.settings = settings(max_examples=150, stateful_step_count=25, deadline=None)


def test_acknowledging_a_resolved_group_is_refused_with_the_reason_the_page_shows() -> None:
    group = new_group()
    group.resolve(actor("ana"), T0)
    assert (
        refusals.acknowledge_refusal(group, actor("ben"), T0)
        == "alert group 7 is resolved; nothing to acknowledge"
    )
    assert refusals.escalate_refusal(group, actor("ben"), T0, EscalationStatus.RESOLVED) == (
        "alert group 7 is resolved; reopen by a new alert"
    )


def test_escalating_an_acknowledged_group_by_hand_triggers_it_again() -> None:
    group = new_group()
    group.acknowledge(actor("ana"), T0)
    [event] = group.escalate(actor("ana"), T0, escalation=EscalationStatus.ACKNOWLEDGED, to_step=2)
    assert group.status is GroupStatus.TRIGGERED and event.message == "ana escalated by hand to step 2"


def test_a_group_opened_in_maintenance_has_no_escalation_to_run() -> None:
    assert refusals.escalate_refusal(new_group(), actor("ana"), T0, None) == (
        "this alert group has no escalation (it opened in maintenance)"
    )
