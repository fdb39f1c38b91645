"""Incident commands persisted on SQLite and PostgreSQL: one transaction per command."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from onwatch.db.tables import incident_roles, incidents, timeline_events
from onwatch.db.uow import Database
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.store.incidents import IncidentFilter
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.enums import EventKind, Interface, Role, Severity, State, Status
from onwatch.kernel.errors import InvalidInput, InvalidTransition, NotFound, NotOwner
from onwatch.kernel.timeline import Actor, TimelineEvent


def cli(person: str) -> Actor:
    return Actor.person(person, Interface.CLI)


def record(incidents: IncidentCommands, incident_id: int) -> list[TimelineEvent]:
    """The incident record's own timeline: the process's pages, announcements and stood-down pages
    (the declared incident runs the demo process; tests/incidents/test_process_rules.py) aside."""
    process = {EventKind.PAGED, EventKind.ANNOUNCED, EventKind.ALERTS_RESOLVED}
    return [e for e in incidents.timeline(incident_id) if e.kind not in process]


def counts(db: Database) -> tuple[int, int, int]:
    with db.read() as uow:
        return tuple(  # type: ignore[return-value]
            uow.conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (incidents, timeline_events, incident_roles)
        )


def test_declared_incident_is_stored_with_labels_owner_and_timeline(incidents: IncidentCommands) -> None:
    made = incidents.declare(cli("amara"), title="Git pushes failing", severity=Severity.S1, services=["git"])
    stored = incidents.get(made.id or 0)
    assert stored.labels == [
        "incident",
        "Service::git",
        "Severity::1",
        "Incident::Active",
        "review-requested",
    ]
    assert (stored.owner_id, stored.state, stored.status) == (
        "amara",
        State.INVESTIGATING,
        Status.DEGRADED_PERFORMANCE,
    )
    kinds = [e.kind for e in record(incidents, stored.id or 0)]
    assert kinds == [EventKind.DECLARED, EventKind.IMOC_REQUIRED]


def test_the_full_lifecycle_lands_on_one_timeline_in_order(
    incidents: IncidentCommands, clock: FakeClock
) -> None:
    i = incidents.declare(cli("amara"), title="API latency", severity=Severity.S2, services=["api"])
    n = i.id or 0
    clock.advance(timedelta(minutes=2))
    incidents.engage_role(n, Role.EOC, cli("lukas"))
    clock.advance(timedelta(minutes=3))
    incidents.assign_role(n, Role.IMOC, "nadia", cli("lukas"))
    incidents.engage_role(n, Role.IMOC, cli("nadia"))
    incidents.change_status(n, Status.PARTIAL_SERVICE_DISRUPTION, cli("nadia"))
    incidents.change_state(n, State.IDENTIFIED, cli("nadia"))
    incidents.add_note(n, "rolled back deploy 4411", cli("lukas"))
    incidents.change_state(n, State.MONITORING, cli("nadia"))
    clock.advance(timedelta(minutes=31))
    incidents.change_severity(n, Severity.S3, cli("nadia"), reason="fewer users than feared")
    done = incidents.resolve(n, cli("nadia"))
    assert done.status is Status.OPERATIONAL and "Incident::Resolved" in done.labels
    timeline = record(incidents, n)
    assert [e.kind for e in timeline] == [
        EventKind.DECLARED, EventKind.IMOC_REQUIRED,
        EventKind.ROLE_ENGAGED, EventKind.OWNER_CHANGED,
        EventKind.ROLE_ASSIGNED, EventKind.ROLE_ENGAGED, EventKind.OWNER_CHANGED,
        EventKind.STATUS_CHANGED, EventKind.STATE_CHANGED, EventKind.NOTE, EventKind.STATE_CHANGED,
        EventKind.SEVERITY_CHANGED, EventKind.STATE_CHANGED, EventKind.STATUS_CHANGED,
    ]  # fmt: skip
    assert all(e.interface is Interface.CLI for e in timeline)
    assert [e.id for e in timeline] == sorted(e.id for e in timeline if e.id is not None)
    imoc = next(a for a in done.roles if a.role is Role.IMOC)
    assert imoc.engaged_at == clock.now() - timedelta(minutes=31)


def test_only_the_owner_resolves_and_a_refused_command_changes_nothing_but_is_recorded(
    incidents: IncidentCommands, db: Database
) -> None:
    i = incidents.declare(cli("amara"), title="Pages 404", severity=Severity.S3, services=["pages"])
    incidents.engage_role(i.id or 0, Role.EOC, cli("lukas"))
    before_incidents, before_events, before_roles = counts(db)
    with pytest.raises(NotOwner, match="only the owner, lukas, can resolve"):
        incidents.resolve(i.id or 0, cli("amara"))
    assert counts(db) == (before_incidents, before_events + 1, before_roles)
    assert incidents.get(i.id or 0).state is State.INVESTIGATING
    refused = record(incidents, i.id or 0)[-1]
    assert refused.kind is EventKind.REFUSED and refused.actor == "amara"
    assert refused.message == (
        "refused: amara tried to resolve: only the owner, lukas, can resolve this incident"
    )


def test_resolved_to_identified_without_reopening_is_refused(
    incidents: IncidentCommands, db: Database
) -> None:
    i = incidents.declare(cli("amara"), title="Registry slow", severity=Severity.S4)
    incidents.resolve(i.id or 0, cli("amara"))
    before = counts(db)
    with pytest.raises(InvalidTransition):
        incidents.change_state(i.id or 0, State.IDENTIFIED, cli("amara"))
    assert counts(db) == before
    reopened = incidents.reopen(i.id or 0, cli("amara"))
    assert reopened.state is State.INVESTIGATING


def test_unknown_people_and_services_are_refused_and_nothing_is_written(
    incidents: IncidentCommands, db: Database
) -> None:
    before = counts(db)
    with pytest.raises(InvalidInput, match="unknown service") as err:
        incidents.declare(cli("amara"), title="x", severity=Severity.S3, services=["nope"])
    assert err.value.field == "services"
    with pytest.raises(InvalidInput, match="unknown person 'ghost'"):
        incidents.declare(cli("ghost"), title="x", severity=Severity.S3)
    assert counts(db) == before
    i = incidents.declare(cli("amara"), title="x", severity=Severity.S3)
    with pytest.raises(InvalidInput, match="unknown person 'ghost'"):
        incidents.assign_role(i.id or 0, Role.IMOC, "ghost", cli("amara"))
    with pytest.raises(NotFound):
        incidents.get(9999)


def test_disruption_without_imoc_is_shown_as_imoc_required(incidents: IncidentCommands) -> None:
    i = incidents.declare(cli("amara"), title="Web down", severity=Severity.S3, services=["web"])
    assert not i.imoc_required
    changed = incidents.change_status(i.id or 0, Status.SERVICE_DISRUPTION, cli("amara"))
    assert incidents.get(i.id or 0).imoc_required and changed.imoc_required
    assert record(incidents, i.id or 0)[-1].message.startswith("IMOC required")


def test_incidents_are_listed_by_activity_service_and_severity(incidents: IncidentCommands) -> None:
    a = incidents.declare(cli("amara"), title="a", severity=Severity.S2, services=["web"])
    b = incidents.declare(cli("amara"), title="b", severity=Severity.S3, services=["git", "api"])
    incidents.resolve(a.id or 0, cli("amara"))
    assert [i.id for i in incidents.find(IncidentFilter(active=True))] == [b.id]
    assert [i.id for i in incidents.find(IncidentFilter(service="web"))] == [a.id]
    assert [i.id for i in incidents.find(IncidentFilter(severity=Severity.S3))] == [b.id]
    assert incidents.get(b.id or 0).services == ["api", "git"]


def test_concurrent_commands_on_one_incident_lose_no_event(incidents: IncidentCommands) -> None:
    i = incidents.declare(cli("amara"), title="busy", severity=Severity.S3)
    n, per_thread, threads = i.id or 0, 10, 4
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for j in range(per_thread):
                incidents.add_note(n, f"note {k}-{j}", cli("lukas"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    workers = [threading.Thread(target=write, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    notes = [e for e in incidents.timeline(n) if e.kind is EventKind.NOTE]
    assert len(notes) == per_thread * threads
    assert incidents.get(n).version == 1 + per_thread * threads
