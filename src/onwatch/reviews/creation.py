"""Creating the review of an incident: by policy when it resolves (reviews/reactions.py) or on
request; its prefill is frozen from the incident's one timeline at that moment."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from onwatch.changes.commands import suspected_triggers
from onwatch.config.cache import AppliedConfig
from onwatch.db.tables import alert_groups
from onwatch.db.uow import UnitOfWork
from onwatch.incidents.checklists import incident_checklists
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import EventKind, Severity, Status
from onwatch.kernel.errors import InvalidInput
from onwatch.kernel.timeline import Actor, JSONValue, TimelineEvent
from onwatch.reviews.domain.policy import Holding, review_conductor, review_owner
from onwatch.reviews.domain.prefill import IncidentFacts, Targets, UpdateFact, build_prefill
from onwatch.reviews.domain.review import Review
from onwatch.reviews.schedule import schedule_review
from onwatch.reviews.store.reviews import ReviewRepository
from onwatch.slo.store import SloRepository

BUDGET_PERIOD = timedelta(days=30)


def holdings(incident: Incident) -> list[Holding]:
    return [Holding(a.role, a.person_id, a.engaged_at, a.renounced_at) for a in incident.roles]


def _first_signal(uow: UnitOfWork, incident: Incident, events: list[TimelineEvent]) -> datetime | None:
    opened = uow.conn.execute(
        sa.select(sa.func.min(alert_groups.c.created_at)).where(alert_groups.c.incident_id == incident.id)
    ).scalar_one()
    reported = [e.at for e in events if e.kind is EventKind.REPORTED]
    candidates = [t for t in (opened, *reported) if t is not None]
    return min(candidates) if candidates else None


def _budget_burnt(
    uow: UnitOfWork, applied: AppliedConfig | None, incident: Incident, end: datetime
) -> dict[str, float]:
    """Share of each service's 30-day error budget the incident's errors used (measured services)."""
    if applied is None or not incident.services:
        return {}
    during = end - incident.declared_at
    counts = uow.repo(SloRepository).window_counts(incident.services, end, [during, BUDGET_PERIOD])
    burnt: dict[str, float] = {}
    for service_id, windows in counts.items():
        service = applied.config.services.get(service_id)
        target = service.slo.error_ratio if service is not None and service.slo is not None else None
        month_requests = windows[BUDGET_PERIOD][0]
        if target is None or month_requests <= 0:
            continue
        budget = (1 - target) * month_requests
        burnt[service_id] = round(windows[during][1] / budget, 4) if budget > 0 else 0.0
    return burnt


def prefill_of(uow: UnitOfWork, applied: AppliedConfig | None, incident: Incident) -> dict[str, JSONValue]:
    assert incident.id is not None
    events = uow.repo(IncidentRepository).timeline(incident.id, limit=100_000)
    updates = uow.repo(IncidentRepository).updates([incident.id])[incident.id]
    declared = next((e for e in events if e.kind is EventKind.DECLARED), None)
    initial = declared.data.get("status") if declared is not None else None
    resolved_at = incident.resolved_at or (events[-1].at if events else incident.declared_at)
    facts = IncidentFacts(
        incident_id=incident.id,
        title=incident.title,
        severity=incident.severity,
        services=incident.services,
        declared_at=incident.declared_at,
        resolved_at=resolved_at,
        first_signal_at=_first_signal(uow, incident, events),
        initial_status=Status(initial) if isinstance(initial, str) else Status.DEGRADED_PERFORMANCE,
    )
    rule = applied.config.severities.get(incident.severity.label) if applied is not None else None
    targets = (
        Targets(rule.time_to_mitigate, rule.time_to_resolve, applied.config.process.ack_timeout)
        if rule is not None and applied is not None
        else _DEFAULT_TARGETS[incident.severity]
    )
    ordered = sorted(updates, key=lambda u: u.at)
    prefill = build_prefill(
        facts,
        events,
        [UpdateFact(u.at, u.status, u.body) for u in ordered],
        targets,
        _budget_burnt(uow, applied, incident, resolved_at),
    )
    # what changed on its services in the day before: offered to the author as suspected triggers
    prefill["suspected_triggers"] = suspected_triggers(uow, incident.services, incident.declared_at)
    # the roles' duties left undone (PROCESS.md §2 rule 9): a question for the review, not a verdict
    prefill["unticked_checklist"] = [
        {"role": c.role.value, "item": item.id, "text": item.text}
        for c in incident_checklists(uow, applied.config if applied is not None else None, incident)
        for item in c.open_required
    ]
    return prefill


_DEFAULT_TARGETS = {
    Severity.S1: Targets(timedelta(hours=8), timedelta(hours=48)),
    Severity.S2: Targets(timedelta(hours=24), timedelta(days=7)),
    Severity.S3: Targets(timedelta(hours=72), timedelta(days=30)),
    Severity.S4: Targets(timedelta(days=7), timedelta(days=60)),
}


def create_review(
    uow: UnitOfWork, applied: AppliedConfig | None, incident: Incident, actor: Actor, now: datetime
) -> Review:
    """The review of a resolved incident: owned by the EOC who held it, conducted by the IMOC, due
    `process.review_due` (14 days) after resolution; its reminders scheduled; noted on the timeline."""
    assert incident.id is not None
    if incident.active:
        raise InvalidInput("the incident is not resolved yet: review it once it is", field="incident_id")
    reviews = uow.repo(ReviewRepository)
    existing = reviews.for_incident(incident.id)
    if existing is not None:
        raise InvalidInput(f"incident {incident.id} already has review #{existing.id}", field="incident_id")
    due_in = applied.config.process.review_due if applied is not None else timedelta(days=14)
    resolved_at = incident.resolved_at or now
    people = holdings(incident)
    review = Review.for_incident(
        incident_id=incident.id,
        title=incident.title,
        severity=incident.severity,
        services=incident.services,
        owner_id=review_owner(people, incident.owner_id),
        conductor_id=review_conductor(people),
        due_at=resolved_at + due_in,
        prefill=prefill_of(uow, applied, incident),
        actor=actor,
        now=now,
    )
    reviews.add(review, actor.name)
    schedule_review(uow, applied, review, now)
    conducted = f", conducted by {review.conductor_id}" if review.conductor_id else ""
    uow.repo(IncidentRepository).append_event(
        incident.id,
        TimelineEvent(
            at=now,
            kind=EventKind.REVIEW,
            actor=actor.name,
            interface=actor.interface,
            message=f"review #{review.id} created: owned by {review.owner_id}{conducted}, "
            f"due {review.due_at:%Y-%m-%d}",
            data={"review": review.id, "owner": review.owner_id, "due_at": review.due_at.isoformat()},
        ),
    )
    return review
