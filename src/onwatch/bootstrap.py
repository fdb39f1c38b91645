"""The composition root: the reactions between slices subscribed once per database; the engine's
timer kinds, each registered by its slice."""

from __future__ import annotations

from collections.abc import Callable

from onwatch.alerts import timers as alert_timers
from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database, UnitOfWork
from onwatch.engine.timers import TimerKinds
from onwatch.incidents import timers as incident_timers
from onwatch.incidents.reactions import IncidentReactions
from onwatch.kernel.events import EventBus
from onwatch.paging import timers as paging_timers
from onwatch.paging.commands import SignerSource
from onwatch.paging.links import LinkSigner
from onwatch.slo import evaluate as slo_evaluation
from onwatch.slo import timers as slo_timers
from onwatch.status.subscriptions import SubscriberNotices


def subscribe_reactions(db: Database, public_url: str) -> None:
    """Give `db` the bus of every domain event's handlers (replacing any it had: wiring twice
    handles each event once)."""
    bus: EventBus[UnitOfWork] = EventBus()
    IncidentReactions(ConfigCache(), SignerSource(public_url)).subscribe(bus)
    SubscriberNotices(public_url).subscribe(bus)
    slo_evaluation.subscribe(bus)
    db.events = bus


def timer_kinds(cache: ConfigCache, signer: Callable[[UnitOfWork], LinkSigner]) -> TimerKinds:
    """Every timer kind the engine runs, registered by the slice it belongs to."""
    kinds = TimerKinds()
    paging = paging_timers.register(kinds, cache, signer)
    incident_timers.register(kinds, paging)
    alert_timers.register(kinds, cache, signer)
    slo_timers.register(kinds, cache)
    return kinds
