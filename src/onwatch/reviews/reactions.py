"""The reviews slice's reaction to the incident process (onwatch.kernel.events), subscribed at
composition (onwatch.bootstrap): an incident resolved gets its review when the policy asks for one
(`reviews.required`, S1/S2 by default, or the review-requested label). The incidents slice never
imports this one."""

from __future__ import annotations

from onwatch.config.cache import AppliedConfig, ConfigCache
from onwatch.config.events import ConfigApplied
from onwatch.db.uow import UnitOfWork
from onwatch.incidents.events import IncidentResolved
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import Interface
from onwatch.kernel.errors import NotFound
from onwatch.kernel.events import EventBus
from onwatch.kernel.timeline import Actor
from onwatch.reviews.creation import create_review
from onwatch.reviews.digest import ensure_digests
from onwatch.reviews.domain.policy import review_required
from onwatch.reviews.schedule import settings_of
from onwatch.reviews.store.reviews import ReviewRepository

ENGINE = Actor(name="onwatch", interface=Interface.ENGINE)


def applied_or_none(uow: UnitOfWork, cache: ConfigCache) -> AppliedConfig | None:
    try:
        return cache.get(uow)
    except NotFound:
        return None


class ReviewReactions:
    def __init__(self, cache: ConfigCache) -> None:
        self.cache = cache

    def subscribe(self, bus: EventBus[UnitOfWork]) -> None:
        bus.subscribe(IncidentResolved, self.incident_resolved)
        bus.subscribe(ConfigApplied, self.config_applied)

    def config_applied(self, uow: UnitOfWork, event: ConfigApplied) -> None:
        """The overdue digest's chains start with the config that asks for them."""
        ensure_digests(uow, event.config, event.at)

    def incident_resolved(self, uow: UnitOfWork, event: IncidentResolved) -> None:
        incident = uow.repo(IncidentRepository).get(event.incident_id)
        applied = applied_or_none(uow, self.cache)
        required = settings_of(applied).required
        if not review_required(incident.severity, incident.review_requested, required):
            return
        if uow.repo(ReviewRepository).for_incident(event.incident_id) is not None:
            return  # resolved again after a reopen: the review already exists
        create_review(uow, applied, incident, ENGINE, event.at)
