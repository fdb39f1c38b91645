"""The composition root: `onwatch serve`, `onwatch worker`, the CLI, the tests and the benchmarks all
build onwatch here, and nothing else constructs a command class, a worker or the API.

    build(settings, clock) -> Onwatch   the database (every domain-event reaction subscribed), the
                                        config cache, the link signer and each slice's commands
    Onwatch.worker(channels) -> Worker  the engine: timer handlers, delivery channels, SLO alerts
    Onwatch.api() -> FastAPI            the HTTP app over the same commands (onwatch.api.app); its
                                        lifespan runs ingest's group-commit writer and fast lane

Each piece is built one way with every collaborator it needs, so there is no half-wired variant whose
reactions are missing or whose commits never wake the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from onwatch.alerts import timers as alert_timers
from onwatch.alerts.heartbeats import Heartbeats
from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.changes.commands import ChangeCommands
from onwatch.chat.actions import ChatActions
from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database, UnitOfWork
from onwatch.engine.dead import DeadTimers
from onwatch.engine.timers import TimerKinds
from onwatch.engine.worker import Worker
from onwatch.incidents import timers as incident_timers
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.reactions import IncidentReactions
from onwatch.incidents.reports import ProcessCommands
from onwatch.kernel.clock import Clock, SystemClock
from onwatch.kernel.errors import NotFound
from onwatch.kernel.events import EventBus
from onwatch.notify.base import Channel
from onwatch.notify.inbox import INBOX_CHANNELS, DemoInboxChannel
from onwatch.notify.pushover import PushoverApi, ReceiptTimers
from onwatch.notify.registry import build_channels
from onwatch.oncall.commands import OnCallService
from onwatch.paging import method_health, receipts
from onwatch.paging import timers as paging_timers
from onwatch.paging.commands import AlertGroupCommands, SignerSource
from onwatch.paging.links import LinkSigner
from onwatch.paging.trials import ContactTrials
from onwatch.reports.digest import timers as digest_timers
from onwatch.reports.feedback.commands import FeedbackCommands
from onwatch.reports.handoff import timers as handoff_timers
from onwatch.reports.queries import Reports
from onwatch.reviews import timers as review_timers
from onwatch.reviews.commands import ReviewCommands
from onwatch.reviews.digest import ensure_digests
from onwatch.reviews.reactions import ReviewReactions
from onwatch.reviews.tracker import TrackerChannel
from onwatch.runbooks import refresh as runbooks_refresh
from onwatch.runbooks import timers as runbook_timers
from onwatch.settings import Settings
from onwatch.slo import evaluate as slo_evaluation
from onwatch.slo import timers as slo_timers
from onwatch.slo.alert_channel import SloAlertChannel
from onwatch.slo.samples import SloSamples
from onwatch.status import timers as status_timers
from onwatch.status.subscriptions import SubscriberNotices
from onwatch.status.webhooks import StatusWebhookChannel

if TYPE_CHECKING:
    from fastapi import FastAPI


def reactions(cache: ConfigCache, signer: SignerSource, public_url: str) -> EventBus[UnitOfWork]:
    """The bus of every domain event's handlers (onwatch.kernel.events)."""
    bus: EventBus[UnitOfWork] = EventBus()
    IncidentReactions(cache, signer).subscribe(bus)
    SubscriberNotices(public_url).subscribe(bus)
    slo_evaluation.subscribe(bus)
    ReviewReactions(cache).subscribe(bus)
    handoff_timers.subscribe(bus, cache)
    digest_timers.subscribe(bus)
    runbooks_refresh.subscribe(bus)
    return bus


def timer_kinds(
    cache: ConfigCache,
    signer: Callable[[UnitOfWork], LinkSigner],
    public_url: str = "",
    pushover: PushoverApi | None = None,
    clock: Clock | None = None,
) -> TimerKinds:
    """Every timer kind the engine runs, registered by the slice it belongs to."""
    kinds = TimerKinds()
    paging = paging_timers.register(kinds, cache, signer)
    receipts.register(kinds, paging, pushover or PushoverApi(""))
    method_health.register(kinds, paging, cache, clock or SystemClock())
    incident_timers.register(kinds, paging)
    alert_timers.register(kinds, cache, signer)
    slo_timers.register(kinds, cache)
    review_timers.register(kinds, cache, public_url)
    status_timers.register(kinds, signer)
    handoff_timers.register(kinds, cache, public_url)
    digest_timers.register(kinds, cache, public_url)
    runbook_timers.register(kinds, cache)
    return kinds


class EngineWake:
    """Called by the commands after a commit that queued work: wakes the engine of this process, if
    one runs here (other processes' engines hear of it by NOTIFY, or their next poll)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def listen(self, wake: Callable[[], None]) -> None:
        self._listeners.append(wake)

    def __call__(self) -> None:
        for wake in self._listeners:
            wake()


@dataclass(frozen=True)
class Onwatch:
    """One built application: what the API, the CLI and the engine of a process share."""

    settings: Settings
    clock: Clock
    db: Database
    cache: ConfigCache
    signer: SignerSource
    wake: EngineWake
    incidents: IncidentCommands
    process: ProcessCommands
    groups: AlertGroupCommands
    ingest: AlertIngest
    heartbeats: Heartbeats
    oncall: OnCallService
    slo_samples: SloSamples
    chat: ChatActions
    reviews: ReviewCommands
    changes: ChangeCommands
    reports: Reports
    feedback: FeedbackCommands

    def worker(self, channels: Mapping[str, Channel] | None = None) -> Worker:
        """The engine over this database: `channels` by outbox name (default: from the settings); its
        wake-up is what the commands call after each commit."""
        receipt_timers = ReceiptTimers(self.db, self.clock)
        built = build_channels(self.settings, receipt_timers) if channels is None else channels
        all_channels = dict(built)
        if self.settings.demo and channels is None:  # `make run`: mail and Slack land in /demo/inbox
            all_channels.update(self.demo_inbox())
        # SLO state changes reach the alert pipeline through the outbox (see onwatch.slo.alert_channel)
        slo_alerts = SloAlertChannel(self.db, self.clock, self.ingest)
        all_channels.setdefault(slo_alerts.name, slo_alerts)
        # status page subscribers' URLs come from anonymous visitors: a channel that checks each target
        status_hooks = StatusWebhookChannel(
            self.db, self.clock, self.cache, default_secret=self.settings.webhook_secret
        )
        all_channels.setdefault(status_hooks.name, status_hooks)
        # corrective actions filed as issues in the production tracker (GitHub or GitLab)
        tracker = TrackerChannel(self.db, self.clock, self.cache)
        all_channels.setdefault(tracker.name, tracker)
        worker = Worker(
            self.db,
            self.clock,
            timer_kinds(self.cache, self.signer, self.settings.public_url, self.pushover(), self.clock),
            all_channels,
            lease=timedelta(seconds=self.settings.worker_lease_seconds),
            timer_attempts=self.settings.timer_max_attempts,
        )
        self.wake.listen(worker.wake)
        self.ensure_chains()
        return worker

    def dead_timers(self) -> DeadTimers:
        """The admin's view of timers that failed every attempt (list, retry)."""
        return DeadTimers(
            self.db,
            self.clock,
            timer_kinds(self.cache, self.signer, self.settings.public_url, self.pushover(), self.clock),
            self.wake,
        )

    def demo_inbox(self) -> dict[str, Channel]:
        """Demo mode's stand-ins for the email and Slack channels (notify/inbox.py)."""
        return {n: DemoInboxChannel(n, self.db, self.clock) for n in INBOX_CHANNELS}

    def trials(self, channels: Mapping[str, Channel] | None = None) -> ContactTrials:
        """'Send a test' to people's contact methods, through `channels` (default: from the settings)."""
        used = channels if channels is not None else build_channels(self.settings)
        if self.settings.demo and channels is None:  # a test in the demo lands in its inbox too
            used = {**used, **self.demo_inbox()}
        return ContactTrials(self.db, self.clock, self.cache, used, self.settings.public_url)

    def pushover(self) -> PushoverApi:
        """Pushover's API with this deployment's application token (sending and reading receipts)."""
        return PushoverApi(self.settings.pushover_app_token, self.settings.pushover_api_url)

    def ensure_chains(self) -> None:
        """Start the self-rescheduling timers the applied config needs (SLO evaluation, the runbooks
        mirror's refresh, the overdue digest, the weekly reports digest) when none is pending, e.g.
        on a database upgraded to a version that brought them; idempotent."""
        with self.db.write() as uow:
            try:
                config = self.cache.get(uow).config
            except NotFound:  # nothing applied yet: apply-config starts them
                return
            slo_evaluation.ensure_scheduled(uow, config, self.clock.now())
            handoff_timers.ensure_scheduled(uow, self.cache.get(uow), self.clock.now())
            runbooks_refresh.ensure_scheduled(uow, config.runbooks, self.clock.now())
            ensure_digests(uow, config, self.clock.now())
            digest_timers.ensure_scheduled(uow, config, self.clock.now())

    def api(self, *, web: bool = True, engine: Worker | None = None) -> FastAPI:
        """The HTTP app over these commands; `web` adds the web UI and the public status page; `engine`
        is the worker running in this process, whose threads then count in /healthz."""
        from onwatch.api.app import create_api  # the CLI starts faster without FastAPI loaded

        api = create_api(self, web=web)
        if engine is not None:
            api.state.health.add("engine", engine.problem)
        return api


def build(
    settings: Settings | None = None, clock: Clock | None = None, *, engine: Engine | None = None
) -> Onwatch:
    """onwatch from its settings (default: the environment). `engine` reuses an open SQLAlchemy engine
    on the same database (a test that restarts onwatch, a benchmark that built its own)."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    cache = ConfigCache()
    signer = SignerSource(settings.public_url)
    db = Database(settings.database_url, engine, events=reactions(cache, signer, settings.public_url))
    wake = EngineWake()
    incidents = IncidentCommands(db, clock, cache, signer, wake)
    process = ProcessCommands(db, clock, cache, signer, wake)
    groups = AlertGroupCommands(db, clock, cache, signer, wake)
    oncall = OnCallService(db, clock, cache)
    reviews = ReviewCommands(db, clock, cache, wake)
    feedback = FeedbackCommands(db, clock, cache, wake, settings.public_url)
    return Onwatch(
        settings=settings,
        clock=clock,
        db=db,
        cache=cache,
        signer=signer,
        wake=wake,
        incidents=incidents,
        process=process,
        groups=groups,
        ingest=AlertIngest(db, clock, cache, signer, wake),
        heartbeats=Heartbeats(db, clock, cache, signer, wake),
        oncall=oncall,
        slo_samples=SloSamples(db, clock, cache),
        chat=ChatActions(incidents, process, groups, oncall, reviews, feedback),
        reviews=reviews,
        changes=ChangeCommands(db, clock, cache),
        reports=Reports(db, clock, cache),
        feedback=feedback,
    )
