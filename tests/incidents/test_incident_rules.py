"""PROCESS.md §2, §5-§7 as rules of the incident aggregate (pure domain, fake time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from onwatch.incidents.domain.incident import Incident
from onwatch.kernel.enums import EventKind, Interface, Role, Severity, State, Status
from onwatch.kernel.errors import DomainError, InvalidInput, InvalidTransition, NotOwner
from onwatch.kernel.timeline import Actor

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def who(name: str) -> Actor:
    return Actor.person(name, Interface.API)


def declare(severity: Severity = Severity.S3, by: str = "reporter", **kw: object) -> Incident:
    return Incident.declare(title="Web is slow", severity=severity, actor=who(by), now=T0, **kw)  # type: ignore[arg-type]


def kinds(incident: Incident) -> list[EventKind]:
    return [e.kind for e in incident.new_events]


def test_declaring_opens_investigating_with_declarer_as_owner_and_default_status() -> None:
    i = declare(services=["web"])
    assert (i.state, i.status, i.owner_id) == (State.INVESTIGATING, Status.DEGRADED_PERFORMANCE, "reporter")
    assert i.labels == ["incident", "Service::web", "Severity::3", "Incident::Active"]
    assert kinds(i) == [EventKind.DECLARED]


def test_s1_is_labelled_review_requested_and_needs_the_imoc() -> None:
    i = declare(Severity.S1)
    assert "review-requested" in i.labels
    assert i.imoc_required
    assert kinds(i) == [EventKind.DECLARED, EventKind.IMOC_REQUIRED]


def test_review_requested_stays_after_a_downgrade_from_s1() -> None:
    i = declare(Severity.S1)
    i.change_severity(Severity.S3, who("reporter"), T0)
    assert "review-requested" in i.labels and "Severity::3" in i.labels


def test_eoc_engaging_takes_ownership_even_if_someone_else_declared() -> None:
    i = declare()
    i.engage_role(Role.EOC, "eoc1", who("eoc1"), T0)
    assert (i.owner_id, i.owner_role) == ("eoc1", Role.EOC)
    assert EventKind.OWNER_CHANGED in kinds(i)


def test_asking_the_imoc_for_help_hands_over_nothing_until_they_engage() -> None:
    i = declare()
    i.engage_role(Role.EOC, "eoc1", who("eoc1"), T0)
    i.assign_role(Role.IMOC, "imoc1", who("eoc1"), T0 + timedelta(minutes=1))
    assert i.owner_id == "eoc1"
    i.engage_role(Role.IMOC, "imoc1", who("imoc1"), T0 + timedelta(minutes=3))
    assert (i.owner_id, i.owner_role) == ("imoc1", Role.IMOC)
    imoc = i.holder(Role.IMOC)
    assert imoc is not None and imoc.engaged_at == T0 + timedelta(minutes=3)


def test_ownership_cascades_eoc_imoc_cmoc_and_never_back_down_on_engagement() -> None:
    i = declare()
    i.engage_role(Role.CMOC, "cmoc1", who("cmoc1"), T0)
    i.engage_role(Role.EOC, "eoc1", who("eoc1"), T0)
    assert i.owner_id == "cmoc1"  # a lower role engaging later does not take over
    i.engage_role(Role.IMOC, "imoc1", who("imoc1"), T0)
    assert i.owner_id == "cmoc1"


def test_security_on_call_engaging_does_not_take_ownership() -> None:
    i = declare()
    i.engage_role(Role.EOC, "eoc1", who("eoc1"), T0)
    i.engage_role(Role.SECURITY, "sec1", who("sec1"), T0)
    assert i.owner_id == "eoc1"


def test_handover_to_the_next_eoc_passes_ownership_and_ends_the_previous_holder() -> None:
    i = declare()
    i.engage_role(Role.EOC, "eoc1", who("eoc1"), T0)
    i.engage_role(Role.EOC, "eoc2", who("eoc2"), T0 + timedelta(hours=8))
    assert i.owner_id == "eoc2"
    old = next(a for a in i.roles if a.person_id == "eoc1")
    assert old.renounced_at == T0 + timedelta(hours=8)


def test_only_the_owner_can_resolve_and_the_error_names_the_owner() -> None:
    i = declare()
    i.engage_role(Role.EOC, "eoc1", who("eoc1"), T0)
    with pytest.raises(NotOwner, match="only the owner, eoc1, can resolve"):
        i.change_state(State.RESOLVED, who("reporter"), T0)
    assert i.state is State.INVESTIGATING


def test_resolving_sets_operational_and_the_resolved_label() -> None:
    i = declare(status=Status.SERVICE_DISRUPTION)
    i.engage_role(Role.IMOC, "reporter", who("reporter"), T0)
    i.change_state(State.IDENTIFIED, who("reporter"), T0)
    i.change_state(State.RESOLVED, who("reporter"), T0 + timedelta(hours=1))
    assert i.status is Status.OPERATIONAL
    assert "Incident::Resolved" in i.labels and "Incident::Active" not in i.labels
    assert i.resolved_at == T0 + timedelta(hours=1)


def test_monitoring_is_labelled_mitigated_and_may_be_skipped() -> None:
    i = declare()
    i.change_state(State.IDENTIFIED, who("reporter"), T0)
    i.change_state(State.MONITORING, who("reporter"), T0 + timedelta(minutes=5))
    assert "Incident::Mitigated" in i.labels and i.mitigated_at == T0 + timedelta(minutes=5)
    j = declare()
    j.change_state(State.IDENTIFIED, who("reporter"), T0)
    j.change_state(State.RESOLVED, who("reporter"), T0)
    assert j.state is State.RESOLVED


def test_a_resolved_incident_must_be_reopened_before_it_moves() -> None:
    i = declare()
    i.change_state(State.RESOLVED, who("reporter"), T0)
    with pytest.raises(InvalidTransition, match="reopen"):
        i.change_state(State.IDENTIFIED, who("reporter"), T0)
    with pytest.raises(InvalidTransition, match="reopen"):
        i.change_status(Status.SERVICE_DISRUPTION, who("reporter"), T0)
    i.reopen(who("reporter"), T0)
    assert (i.state, i.status) == (State.INVESTIGATING, Status.DEGRADED_PERFORMANCE)
    assert "Incident::Active" in i.labels


def test_investigating_cannot_jump_to_monitoring() -> None:
    i = declare()
    with pytest.raises(InvalidTransition, match="allowed: identified, resolved"):
        i.change_state(State.MONITORING, who("reporter"), T0)


def test_status_is_independent_of_state() -> None:
    i = declare()
    i.change_status(Status.OPERATIONAL, who("reporter"), T0)
    assert i.state is State.INVESTIGATING
    i.change_state(State.IDENTIFIED, who("reporter"), T0)
    assert i.status is Status.OPERATIONAL


@pytest.mark.parametrize("status", [Status.PARTIAL_SERVICE_DISRUPTION, Status.SERVICE_DISRUPTION])
def test_disruption_status_without_an_engaged_imoc_records_imoc_required(status: Status) -> None:
    i = declare(Severity.S3)
    assert not i.imoc_required
    i.change_status(status, who("reporter"), T0)
    assert i.imoc_required
    assert i.new_events[-1].kind is EventKind.IMOC_REQUIRED
    assert "IMOC required" in i.new_events[-1].message
    i.engage_role(Role.IMOC, "imoc1", who("imoc1"), T0)
    assert not i.imoc_required


def test_disruption_with_the_imoc_already_engaged_requires_nothing() -> None:
    i = declare(Severity.S3)
    i.engage_role(Role.IMOC, "imoc1", who("imoc1"), T0)
    i.change_status(Status.SERVICE_DISRUPTION, who("imoc1"), T0)
    assert not i.imoc_required and EventKind.IMOC_REQUIRED not in kinds(i)


def test_the_imoc_leaving_a_disruption_makes_the_imoc_required_again() -> None:
    i = declare(Severity.S3, status=Status.SERVICE_DISRUPTION)
    i.engage_role(Role.EOC, "eoc1", who("eoc1"), T0)
    i.engage_role(Role.IMOC, "imoc1", who("imoc1"), T0)
    i.renounce_role(Role.IMOC, "imoc1", who("imoc1"), T0)
    assert i.owner_id == "eoc1" and i.imoc_required


def test_the_owner_cannot_leave_without_someone_to_take_over() -> None:
    i = declare()
    i.engage_role(Role.EOC, "eoc1", who("eoc1"), T0)
    with pytest.raises(DomainError, match="owns this incident"):
        i.renounce_role(Role.EOC, "eoc1", who("eoc1"), T0)
    assert i.owner_id == "eoc1" and i.holder(Role.EOC) is not None


def test_role_history_keeps_assumed_and_renounced_times() -> None:
    i = declare()
    i.engage_role(Role.EOC, "eoc1", who("eoc1"), T0)
    i.assign_role(Role.IMOC, "imoc1", who("eoc1"), T0 + timedelta(minutes=1))
    i.renounce_role(Role.IMOC, "imoc1", who("imoc1"), T0 + timedelta(minutes=2))
    i.engage_role(Role.IMOC, "imoc2", who("imoc2"), T0 + timedelta(minutes=4))
    history = [(a.role, a.person_id, a.engaged_at, a.renounced_at) for a in i.roles]
    assert history == [
        (Role.EOC, "eoc1", T0, None),
        (Role.IMOC, "imoc1", None, T0 + timedelta(minutes=2)),
        (Role.IMOC, "imoc2", T0 + timedelta(minutes=4), None),
    ]


def test_every_change_appends_an_event_with_who_when_and_interface() -> None:
    i = declare()
    cli = Actor.person("eoc1", Interface.CLI)
    i.engage_role(Role.EOC, "eoc1", cli, T0 + timedelta(minutes=1))
    i.add_note("restarted the web pods", cli, T0 + timedelta(minutes=2))
    i.change_severity(Severity.S2, cli, T0 + timedelta(minutes=3), reason="more users affected")
    note = next(e for e in i.new_events if e.kind is EventKind.NOTE)
    assert (note.actor, note.interface, note.at, note.message) == (
        "eoc1",
        Interface.CLI,
        T0 + timedelta(minutes=2),
        "restarted the web pods",
    )
    sev = next(e for e in i.new_events if e.kind is EventKind.SEVERITY_CHANGED)
    assert sev.data == {"from": "S3", "to": "S2", "reason": "more users affected"}


def test_unchanged_values_add_no_events() -> None:
    i = declare()
    before = len(i.new_events)
    i.change_status(Status.DEGRADED_PERFORMANCE, who("reporter"), T0)
    i.change_severity(Severity.S3, who("reporter"), T0)
    i.change_state(State.INVESTIGATING, who("reporter"), T0)
    assert len(i.new_events) == before


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_titles_must_be_present_and_short(title: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Incident.declare(title=title, severity=Severity.S3, actor=who("a"), now=T0)
    assert err.value.field == "title"


@pytest.mark.parametrize("value", ["S5", "0", 7, "sev1", "", True])
def test_unknown_severities_are_refused_with_the_allowed_values(value: object) -> None:
    with pytest.raises(ValueError, match="use one of S1, S2, S3, S4"):
        Severity.parse(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("S1", Severity.S1), ("s2", Severity.S2), (3, Severity.S3), ("4", Severity.S4)]
)
def test_severity_accepts_the_usual_spellings(value: object, expected: Severity) -> None:
    assert Severity.parse(value) is expected
