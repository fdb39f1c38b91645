"""Who may reopen a resolved incident and who may speak to the public, on SQLite and PostgreSQL
(PROCESS.md §2 rules 1 and 6: state is the owner's; §9: the CMOC is the voice to the public, the
owner until a CMOC engages). Refusals name the owner and land on the timeline, like the others."""

from __future__ import annotations

import pytest

from onwatch.incidents.commands import IncidentCommands
from onwatch.kernel.enums import EventKind, Interface, Role, Severity, State, Status
from onwatch.kernel.errors import NotOwner
from onwatch.kernel.timeline import Actor


def cli(person: str) -> Actor:
    return Actor.person(person, Interface.CLI)


def refusals(incidents: IncidentCommands, incident_id: int) -> list[str]:
    return [e.message for e in incidents.timeline(incident_id) if e.kind is EventKind.REFUSED]


def test_only_the_owner_or_the_imoc_may_reopen_a_resolved_incident(incidents: IncidentCommands) -> None:
    n = incidents.declare(cli("amara"), title="Registry slow", severity=Severity.S4).id or 0
    incidents.resolve(n, cli("amara"))

    with pytest.raises(NotOwner, match="only the owner, amara, or the IMOC can reopen this incident"):
        incidents.reopen(n, cli("lukas"))
    assert incidents.get(n).state is State.RESOLVED, "nothing changed"
    assert refusals(incidents, n) == [
        "refused: lukas tried to reopen the incident: only the owner, amara, or the IMOC can reopen "
        "this incident"
    ]

    # an incident manager (roles.imoc.team: sre-managers) may, as the IMOC re-classifies severity
    reopened = incidents.reopen(n, cli("nadia"), Status.SERVICE_DISRUPTION)
    assert (reopened.state, reopened.status) == (State.INVESTIGATING, Status.SERVICE_DISRUPTION)
    assert [e.actor for e in incidents.timeline(n) if e.kind is EventKind.REOPENED] == ["nadia"]


def test_the_owner_reopens_their_own_resolved_incident(incidents: IncidentCommands) -> None:
    n = incidents.declare(cli("amara"), title="Pages deploys stuck", severity=Severity.S4).id or 0
    incidents.resolve(n, cli("amara"))
    assert incidents.reopen(n, cli("amara")).state is State.INVESTIGATING
    assert refusals(incidents, n) == []


def test_a_public_update_without_a_status_change_is_posted_only_by_the_cmoc_or_the_owner(
    incidents: IncidentCommands,
) -> None:
    n = incidents.declare(cli("amara"), title="Git pushes hang", severity=Severity.S3).id or 0

    with pytest.raises(NotOwner, match="only the CMOC or the owner, amara, can post public updates"):
        incidents.post_update(n, "We are investigating slow pushes.", cli("lukas"))
    assert incidents.updates(n) == [], "nothing reached the status page"
    assert refusals(incidents, n) == [
        "refused: lukas tried to post a public update: only the CMOC or the owner, amara, can post "
        "public updates"
    ]

    incidents.post_update(n, "We are investigating slow pushes.", cli("amara"))
    incidents.engage_role(n, Role.CMOC, cli("sofia"))
    incidents.post_update(n, "A fix is rolling out.", cli("sofia"))
    assert [(u.author, u.body) for u in reversed(incidents.updates(n))] == [
        ("amara", "We are investigating slow pushes."),
        ("sofia", "A fix is rolling out."),
    ]
    with pytest.raises(NotOwner):
        incidents.post_update(n, "Fixed, I think.", cli("lukas"))
    assert len(incidents.updates(n)) == 2
