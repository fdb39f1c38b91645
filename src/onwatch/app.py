"""Wiring: the database, the clock, the API and the engine built from settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock, SystemClock
from onwatch.paging.commands import SignerSource
from onwatch.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from onwatch.engine.worker import Worker
    from onwatch.notify.base import Channel


@dataclass
class Onwatch:
    settings: Settings
    db: Database
    clock: Clock
    cache: ConfigCache = field(default_factory=ConfigCache)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, clock: Clock | None = None) -> Onwatch:
        from onwatch.bootstrap import subscribe_reactions

        settings = settings or Settings()
        db = Database(settings.database_url)
        subscribe_reactions(db, settings.public_url)
        return cls(settings=settings, db=db, clock=clock or SystemClock())

    def worker(self, channels: dict[str, Channel] | None = None) -> Worker:
        from datetime import timedelta

        from onwatch.alerts.ingest.apply import AlertIngest
        from onwatch.bootstrap import timer_kinds
        from onwatch.engine.worker import Worker
        from onwatch.notify.registry import build_channels
        from onwatch.slo.alert_channel import SloAlertChannel
        from onwatch.status.webhooks import StatusWebhookChannel

        signer = SignerSource(self.settings.public_url)
        kinds = timer_kinds(self.cache, signer)
        lease = timedelta(seconds=self.settings.worker_lease_seconds)
        all_channels = dict(channels or build_channels(self.settings))
        # SLO state changes reach the alert pipeline through the outbox (see onwatch.slo.alert_channel)
        ingest = AlertIngest(self.db, self.clock, self.cache, signer)
        all_channels.setdefault("slo_alert", SloAlertChannel(self.db, self.clock, ingest))
        # status page subscribers' URLs come from anonymous visitors: a channel that checks each target
        status_hooks = StatusWebhookChannel(
            self.db, self.clock, self.cache, default_secret=self.settings.webhook_secret
        )
        all_channels.setdefault(status_hooks.name, status_hooks)
        self.ensure_chains()
        return Worker(self.db, self.clock, kinds, all_channels, lease=lease)

    def ensure_chains(self) -> None:
        """Start the self-rescheduling timers the applied config needs (SLO evaluation) when none is
        pending, e.g. on a database upgraded to a version that brought them; idempotent."""
        from onwatch.kernel.errors import NotFound
        from onwatch.slo.evaluate import ensure_scheduled

        with self.db.write() as uow:
            try:
                config = self.cache.get(uow).config
            except NotFound:  # nothing applied yet: apply-config starts them
                return
            ensure_scheduled(uow, config, self.clock.now())

    def api(self, worker: Worker | None = None) -> FastAPI:
        from onwatch.api.app import create_api  # the CLI starts faster without FastAPI loaded

        api = create_api(
            self.db,
            self.clock,
            max_body_bytes=self.settings.max_body_bytes,
            public_url=self.settings.public_url,
            wake=worker.wake if worker else (lambda: None),
            slack_signing_secret=self.settings.slack_signing_secret,
        )
        if worker is not None:  # the engine runs in this process: its threads are part of its health
            api.state.health.add("engine", worker.problem)
        return api


def asgi_app() -> FastAPI:
    """Factory for `uvicorn --factory onwatch.app:asgi_app` (API only; run `onwatch worker` beside it)."""
    return Onwatch.from_settings().api()


def serving_process_app() -> FastAPI:
    """The API of one of `onwatch serve --processes N`'s server processes: settled for a long life.
    Its commits wake the engine (in the parent process, or `onwatch worker`s) by NOTIFY."""
    from onwatch import gc_tuning

    api = asgi_app()
    gc_tuning.settle()
    return api
