"""PROCESS.md §2 rule 6, §5 and §7 through the commands, on SQLite and PostgreSQL: state and status
are the owner's; disruptions need the IMOC before they resolve; a resolved incident's severity is
the IMOC's; and every refusal is on the timeline for the review."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onwatch.incidents.commands import IncidentCommands
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.enums import EventKind, Interface, Role, Severity, State, Status
from onwatch.kernel.errors import DomainError, InvalidInput, NotOwner
from onwatch.kernel.timeline import Actor


def cli(person: str) -> Actor:
    return Actor.person(person, Interface.CLI)


def refusals(incidents: IncidentCommands, incident_id: int) -> list[str]:
    return [e.message for e in incidents.timeline(incident_id) if e.kind is EventKind.REFUSED]


def eoc_owned(incidents: IncidentCommands, severity: Severity = Severity.S3) -> int:
    n = incidents.declare(cli("amara"), title="Git pushes slow", severity=severity, services=["git"]).id
    assert n is not None
    incidents.engage_role(n, Role.EOC, cli("lukas"))
    return n


def test_a_non_owner_changing_the_state_is_refused_with_the_owners_name_and_it_is_recorded(
    incidents: IncidentCommands,
) -> None:
    n = eoc_owned(incidents)
    with pytest.raises(NotOwner, match="only the owner, lukas, can change the state of this incident"):
        incidents.change_state(n, State.IDENTIFIED, cli("amara"))
    assert incidents.get(n).state is State.INVESTIGATING
    assert refusals(incidents, n) == [
        "refused: amara tried to set the state to identified: "
        "only the owner, lukas, can change the state of this incident"
    ]
    incidents.change_state(n, State.IDENTIFIED, cli("lukas"))
    assert incidents.get(n).state is State.IDENTIFIED


def test_a_non_owner_changing_the_status_is_refused_and_others_still_add_notes(
    incidents: IncidentCommands,
) -> None:
    n = eoc_owned(incidents)
    with pytest.raises(NotOwner, match="only the owner, lukas, can change the status"):
        incidents.change_status(n, Status.SERVICE_DISRUPTION, cli("amara"))
    with pytest.raises(NotOwner, match="only the owner, lukas, can change the status"):
        incidents.post_update(n, "Pushes are slow", cli("amara"), status=Status.SERVICE_DISRUPTION)
    incidents.add_note(n, "p99 of git push is 40 s", cli("amara"))
    assert incidents.get(n).status is Status.DEGRADED_PERFORMANCE
    assert len(refusals(incidents, n)) == 2


def test_resolving_a_service_disruption_no_imoc_ever_engaged_on_is_refused_page_the_imoc(
    incidents: IncidentCommands,
) -> None:
    n = eoc_owned(incidents)
    incidents.change_status(n, Status.SERVICE_DISRUPTION, cli("lukas"))
    with pytest.raises(DomainError, match=r"^page the IMOC: a Service Disruption needs the IMOC engaged"):
        incidents.resolve(n, cli("lukas"))
    assert incidents.get(n).state is State.INVESTIGATING
    assert refusals(incidents, n) == [
        "refused: lukas tried to resolve: page the IMOC: a Service Disruption needs the IMOC engaged "
        "before it resolves, and no IMOC has engaged on this incident"
    ]
    incidents.engage_role(n, Role.IMOC, cli("nadia"))
    assert incidents.resolve(n, cli("nadia")).state is State.RESOLVED


def test_a_partial_service_disruption_resolves_only_after_more_than_30_minutes_of_monitoring(
    incidents: IncidentCommands, clock: FakeClock
) -> None:
    n = eoc_owned(incidents)
    incidents.change_status(n, Status.PARTIAL_SERVICE_DISRUPTION, cli("lukas"))
    incidents.engage_role(n, Role.IMOC, cli("nadia"))
    incidents.change_state(n, State.IDENTIFIED, cli("nadia"))
    with pytest.raises(DomainError, match=r"must be monitored for more than 30m .* move it to monitoring"):
        incidents.resolve(n, cli("nadia"))
    incidents.change_state(n, State.MONITORING, cli("nadia"))
    started = clock.now()
    clock.advance(timedelta(minutes=30))
    may = (started + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S")
    with pytest.raises(DomainError, match=f"it may resolve after {may} UTC"):
        incidents.resolve(n, cli("nadia"))
    clock.advance(timedelta(seconds=1))
    assert incidents.resolve(n, cli("nadia")).state is State.RESOLVED


def test_going_back_to_investigating_restarts_the_partial_disruptions_monitoring_clock(
    incidents: IncidentCommands, clock: FakeClock
) -> None:
    n = eoc_owned(incidents)
    incidents.engage_role(n, Role.IMOC, cli("nadia"))
    incidents.change_status(n, Status.PARTIAL_SERVICE_DISRUPTION, cli("nadia"))
    incidents.change_state(n, State.IDENTIFIED, cli("nadia"))
    incidents.change_state(n, State.MONITORING, cli("nadia"))
    clock.advance(timedelta(minutes=40))
    incidents.change_state(n, State.INVESTIGATING, cli("nadia"))  # impact recurred
    incidents.change_state(n, State.IDENTIFIED, cli("nadia"))
    incidents.change_state(n, State.MONITORING, cli("nadia"))
    clock.advance(timedelta(minutes=10))
    with pytest.raises(DomainError, match="monitored for more than 30m"):
        incidents.resolve(n, cli("nadia"))


def test_imoc_required_clears_once_the_imoc_engages_and_after_resolution(
    incidents: IncidentCommands,
) -> None:
    engaged = eoc_owned(incidents, Severity.S2)
    assert incidents.get(engaged).imoc_required
    assert not incidents.engage_role(engaged, Role.IMOC, cli("nadia")).imoc_required
    resolved = eoc_owned(incidents, Severity.S2)
    assert incidents.get(resolved).imoc_required
    assert not incidents.resolve(resolved, cli("lukas")).imoc_required


def test_after_resolution_only_the_imoc_changes_the_severity_with_a_reason_on_the_timeline(
    incidents: IncidentCommands,
) -> None:
    n = eoc_owned(incidents, Severity.S3)
    incidents.resolve(n, cli("lukas"))
    with pytest.raises(NotOwner, match="the incident is resolved: only the IMOC can change its severity"):
        incidents.change_severity(n, Severity.S2, cli("lukas"), reason="more users than we thought")
    with pytest.raises(InvalidInput, match="only with a reason") as no_reason:
        incidents.change_severity(n, Severity.S2, cli("nadia"))
    assert no_reason.value.field == "reason"
    changed = incidents.change_severity(n, Severity.S2, cli("nadia"), reason="20% of pushes failed")
    assert changed.severity is Severity.S2
    last = [e for e in incidents.timeline(n) if e.kind is EventKind.SEVERITY_CHANGED][-1]
    assert last.message == "nadia changed severity from S3 to S2: 20% of pushes failed"
    assert last.data["reason"] == "20% of pushes failed"
    assert refusals(incidents, n) == [
        "refused: lukas tried to set the severity to S2: the incident is resolved: only the IMOC "
        "can change its severity until the review"
    ]
