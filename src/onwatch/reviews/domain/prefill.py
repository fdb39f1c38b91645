"""The review's prefill: facts computed once from the incident's one timeline and frozen into the
review when it is created (later timeline events do not rewrite a review being written).

Pure: the store hands over the incident's facts, its timeline events and its public updates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from onwatch.kernel.enums import EventKind, Role, Severity, Status
from onwatch.kernel.timeline import JSONValue, TimelineEvent

# events worth a line of the review's timeline (the rest stay on the incident's)
KEY_KINDS = frozenset(
    {
        EventKind.DECLARED,
        EventKind.REPORTED,
        EventKind.STATE_CHANGED,
        EventKind.STATUS_CHANGED,
        EventKind.SEVERITY_CHANGED,
        EventKind.ROLE_ENGAGED,
        EventKind.OWNER_CHANGED,
        EventKind.NOTE,
        EventKind.REOPENED,
        EventKind.ALERTS_LINKED,
        EventKind.PAGED,
        EventKind.ALERTS_ACKNOWLEDGED,
        EventKind.PUBLIC_UPDATE,
        EventKind.SECURITY_FLAGGED,
    }
)


@dataclass(frozen=True)
class IncidentFacts:
    incident_id: int
    title: str
    severity: Severity
    services: Sequence[str]
    declared_at: datetime
    resolved_at: datetime
    first_signal_at: datetime | None  # the first alert of a linked group, or the report
    initial_status: Status


@dataclass(frozen=True)
class UpdateFact:
    at: datetime
    status: Status
    body: str


@dataclass(frozen=True)
class Targets:
    """The severity table's targets (PROCESS.md §5) and the acknowledgement rule (§3)."""

    mitigate: timedelta
    resolve: timedelta
    acknowledge: timedelta = timedelta(minutes=15)


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def impact_minutes(facts: IncidentFacts, events: Sequence[TimelineEvent]) -> dict[str, float]:
    """Minutes spent in each public status other than Operational, from declaration to resolution
    (the status history on the timeline; Resolved implies Operational)."""
    spans: dict[str, float] = {}
    status, since = facts.initial_status, facts.declared_at
    changes = [e for e in events if e.kind is EventKind.STATUS_CHANGED and e.at <= facts.resolved_at]
    for e in changes:
        to = e.data.get("to")
        if not isinstance(to, str):
            continue
        if status is not Status.OPERATIONAL:
            spans[status.value] = spans.get(status.value, 0.0) + _minutes(e.at - since)
        status, since = Status(to), e.at
    if status is not Status.OPERATIONAL:
        spans[status.value] = spans.get(status.value, 0.0) + _minutes(facts.resolved_at - since)
    return {k: round(v, 1) for k, v in spans.items() if v > 0}


def _measure(start: datetime | None, end: datetime | None, target: timedelta | None) -> dict[str, JSONValue]:
    if start is None or end is None:
        return {"minutes": None, "target_minutes": _minutes(target) if target else None, "met": None}
    took = end - start
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "minutes": _minutes(took),
        "target_minutes": _minutes(target) if target else None,
        "met": took <= target if target else None,
    }


def _first(events: Sequence[TimelineEvent], kind: EventKind, **data: str) -> datetime | None:
    for e in events:
        if e.kind is kind and all(e.data.get(k) == v for k, v in data.items()):
            return e.at
    return None


def response_times(
    facts: IncidentFacts, events: Sequence[TimelineEvent], targets: Targets
) -> dict[str, JSONValue]:
    """Time to detect (first signal -> declaration), acknowledge (first page -> first
    acknowledgement), engage each role, mitigate (-> Monitoring) and resolve, against the targets."""
    first_page = _first(events, EventKind.PAGED)
    first_ack = _first(events, EventKind.ALERTS_ACKNOWLEDGED)
    engaged: dict[str, JSONValue] = {}
    for role in Role:
        at = _first(events, EventKind.ROLE_ENGAGED, role=role.value)
        if at is not None:
            engaged[role.value] = _measure(facts.declared_at, at, None)
    mitigated = _first(events, EventKind.STATE_CHANGED, to="monitoring") or facts.resolved_at
    return {
        "detect": _measure(facts.first_signal_at, facts.declared_at, None)
        if facts.first_signal_at
        else {"minutes": None, "target_minutes": None, "met": None},
        "acknowledge": _measure(first_page, first_ack, targets.acknowledge),
        "engage": engaged,
        "mitigate": _measure(facts.declared_at, mitigated, targets.mitigate),
        "resolve": _measure(facts.declared_at, facts.resolved_at, targets.resolve),
    }


def build_prefill(
    facts: IncidentFacts,
    events: Sequence[TimelineEvent],
    updates: Sequence[UpdateFact],
    targets: Targets,
    slo_budget: Mapping[str, float] | None = None,
) -> dict[str, JSONValue]:
    """Everything the review starts from, as JSON, frozen at creation."""
    pages = [e for e in events if e.kind is EventKind.PAGED]
    acks = [e for e in events if e.kind is EventKind.ALERTS_ACKNOWLEDGED]
    impact = impact_minutes(facts, events)
    return {
        "incident_id": facts.incident_id,
        "title": facts.title,
        "severity": facts.severity.label,
        "services": list(facts.services),
        "declared_at": facts.declared_at.isoformat(),
        "resolved_at": facts.resolved_at.isoformat(),
        "impact_minutes": dict(impact),
        "total_impact_minutes": round(sum(impact.values()), 1),
        "times": response_times(facts, events, targets),
        "pages": [
            {"at": e.at.isoformat(), "person": e.person, "role": e.role.value if e.role else None}
            for e in pages
        ],
        "acknowledgements": [{"at": e.at.isoformat(), "by": e.actor} for e in acks],
        "public_updates": [
            {"at": u.at.isoformat(), "status": u.status.value, "body": u.body} for u in updates
        ],
        "slo_budget_burnt": dict(slo_budget or {}),
        "timeline": [
            {"id": e.id, "at": e.at.isoformat(), "kind": e.kind.value, "actor": e.actor, "message": e.message}
            for e in events
            if e.kind in KEY_KINDS and e.id is not None
        ],
    }
