"""The composition root: the reactions between slices subscribed once per database."""

from __future__ import annotations

from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database, UnitOfWork
from onwatch.incidents.reactions import IncidentReactions
from onwatch.kernel.events import EventBus
from onwatch.paging.commands import SignerSource
from onwatch.slo import evaluate as slo_evaluation
from onwatch.status.subscriptions import SubscriberNotices


def subscribe_reactions(db: Database, public_url: str) -> None:
    """Give `db` the bus of every domain event's handlers (replacing any it had: wiring twice
    handles each event once)."""
    bus: EventBus[UnitOfWork] = EventBus()
    IncidentReactions(ConfigCache(), SignerSource(public_url)).subscribe(bus)
    SubscriberNotices(public_url).subscribe(bus)
    slo_evaluation.subscribe(bus)
    db.events = bus
