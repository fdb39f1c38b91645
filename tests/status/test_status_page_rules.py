"""Status page rules: component status, overall indicator, the 90-day history, and the refusals the
incident page shows next to disabled actions (they are the domain's own messages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.domain.refusals import engage_refusal, state_refusal, update_refusal
from onwatch.kernel.enums import Interface, Role, Severity, State, Status
from onwatch.kernel.timeline import Actor
from onwatch.status.domain import PublicIncident, component_status, history, overall

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
AMARA = Actor.person("amara", Interface.WEB)
LUKAS = Actor.person("lukas", Interface.WEB)


def public(
    incident_id: int, status: Status, *, services: tuple[str, ...] = ("web",), days_ago: float = 0,
    resolved_days_ago: float | None = None, worst: Status | None = None,
) -> PublicIncident:  # fmt: skip
    declared = NOW - timedelta(days=days_ago)
    resolved = None if resolved_days_ago is None else NOW - timedelta(days=resolved_days_ago)
    return PublicIncident(
        id=incident_id, title=f"incident {incident_id}", severity=Severity.S2,
        state=State.RESOLVED if resolved else State.INVESTIGATING,
        status=Status.OPERATIONAL if resolved else status, services=services,
        declared_at=declared, updated_at=declared, mitigated_at=None, resolved_at=resolved,
        worst_status=worst or status,
    )  # fmt: skip


def test_a_component_shows_the_worst_status_of_its_active_incidents() -> None:
    incidents = [
        public(1, Status.DEGRADED_PERFORMANCE),
        public(2, Status.SERVICE_DISRUPTION),
        public(3, Status.PARTIAL_SERVICE_DISRUPTION, services=("api",)),
        public(4, Status.SERVICE_DISRUPTION, services=("git",), resolved_days_ago=0.1),
    ]
    assert component_status("web", incidents) is Status.SERVICE_DISRUPTION
    assert component_status("api", incidents) is Status.PARTIAL_SERVICE_DISRUPTION
    assert component_status("git", incidents) is Status.OPERATIONAL  # resolved: operational again
    assert component_status("pages", incidents) is Status.OPERATIONAL


def test_overall_indicator_follows_statuspage_words() -> None:
    assert overall([]) == ("none", "All Systems Operational")
    assert overall([public(1, Status.DEGRADED_PERFORMANCE)])[0] == "minor"
    assert overall([public(1, Status.PARTIAL_SERVICE_DISRUPTION)])[0] == "major"
    assert overall([public(1, Status.SERVICE_DISRUPTION)])[0] == "critical"


def test_history_has_ninety_days_and_marks_the_days_an_incident_was_open() -> None:
    incidents = [
        public(1, Status.SERVICE_DISRUPTION, days_ago=10.2, resolved_days_ago=9.9),
        public(
            2,
            Status.DEGRADED_PERFORMANCE,
            days_ago=3,
            resolved_days_ago=2.5,
            worst=Status.DEGRADED_PERFORMANCE,
        ),
    ]
    days = history("web", incidents, NOW)
    assert len(days) == 90 and days[-1].day == NOW.date()
    bad = {d.day: d.worst for d in days if d.incident_ids}
    assert bad[(NOW - timedelta(days=10.2)).date()] is Status.SERVICE_DISRUPTION
    assert bad[(NOW - timedelta(days=3)).date()] is Status.DEGRADED_PERFORMANCE
    assert len(bad) <= 4
    assert all(not d.incident_ids for d in history("api", incidents, NOW))


def _declared() -> Incident:
    incident = Incident.declare(title="Web down", severity=Severity.S2, actor=AMARA, now=NOW)
    incident.id = 1
    return incident


def test_a_non_owner_sees_resolve_refused_with_the_rule_and_the_incident_is_untouched() -> None:
    incident = _declared()
    reason = state_refusal(incident, State.RESOLVED, LUKAS, NOW)
    assert reason == "only the owner, amara, can resolve this incident"
    assert incident.state is State.INVESTIGATING and incident.new_events[-1].kind.value != "state_changed"
    assert state_refusal(incident, State.RESOLVED, AMARA, NOW) is None


def test_refusals_name_the_transition_rule_and_confidentiality() -> None:
    incident = _declared()
    assert "allowed: identified, resolved" in (state_refusal(incident, State.MONITORING, AMARA, NOW) or "")
    assert engage_refusal(incident, Role.EOC, AMARA, NOW) is None
    incident.flag_security(AMARA, NOW)
    assert "confidential" in (update_refusal(incident, AMARA, NOW) or "")
