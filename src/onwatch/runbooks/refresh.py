"""The mirror's refresh, a durable engine timer (`runbooks_refresh`) that reschedules itself every
`runbooks.refresh` on a fixed grid (so the chain started by each config apply and each bootstrap
merges into one through the timer's dedup key).

Reading the source is slow (git over the network): the worker's `prepare` hook reads it before the
pass's write transaction opens, and the handler, inside that transaction, swaps the pages in one go.
A source that cannot be read leaves the last good copy in place and records why (the page says so,
and /metrics)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from onwatch.config.cache import ConfigCache
from onwatch.config.events import ConfigApplied
from onwatch.config.runbooks import RunbooksConfig
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import Database, UnitOfWork
from onwatch.kernel.errors import NotFound
from onwatch.kernel.events import EventBus
from onwatch.runbooks import source
from onwatch.runbooks.domain import Failed, ReadResult, Snapshot, Unchanged, redacted
from onwatch.runbooks.store import RunbookRepository

log = logging.getLogger(__name__)

RUNBOOKS_REFRESH = "runbooks_refresh"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_QUIET = timedelta(seconds=30)  # how long `prepare` trusts "no refresh due" before looking again
RETRY = timedelta(seconds=1)  # a refresh claimed without its source read: read first, run it then


def next_due(now: datetime, interval: timedelta) -> datetime:
    periods = (now - _EPOCH) // interval
    return _EPOCH + (periods + 1) * interval


def timer_key(due: datetime) -> str:
    return f"runbooks-refresh:{due.isoformat()}"


def _config(uow: UnitOfWork, cache: ConfigCache) -> RunbooksConfig | None:
    try:
        return cache.get(uow).config.runbooks
    except NotFound:  # nothing applied yet
        return None


def schedule_now(uow: UnitOfWork, now: datetime) -> None:
    uow.timers.schedule(RUNBOOKS_REFRESH, now, {}, timer_key(now), now)


def ensure_scheduled(uow: UnitOfWork, config: RunbooksConfig | None, now: datetime) -> bool:
    """Start the refresh chain if runbooks are configured and none is pending."""
    if config is None or uow.repo(RunbookRepository).pending_refresh(RUNBOOKS_REFRESH) is not None:
        return False
    schedule_now(uow, now)
    return True


def subscribe(bus: EventBus[UnitOfWork]) -> None:
    """A config applied with runbooks refreshes them now (its source may be new)."""

    def config_applied(uow: UnitOfWork, event: ConfigApplied) -> None:
        if event.config.runbooks is not None:
            schedule_now(uow, event.at)

    bus.subscribe(ConfigApplied, config_applied)


@dataclass(frozen=True)
class Prefetched:
    at: datetime
    config: RunbooksConfig
    result: ReadResult


class RunbookRefresher:
    """The `runbooks_refresh` timer handler, with its `prepare` hook."""

    def __init__(self, cache: ConfigCache) -> None:
        self.cache = cache
        self._prefetched: Prefetched | None = None
        self._quiet_until: datetime | None = None

    def prepare(self, db: Database, now: datetime) -> None:
        """Before the pass's write transaction: when a refresh is due, read the source now, so git's
        network round trips never hold the database's write lock."""
        if self._quiet_until is not None and now < self._quiet_until:
            return
        with db.read() as uow:
            config = _config(uow, self.cache)
            repo = uow.repo(RunbookRepository)
            due = repo.pending_refresh(RUNBOOKS_REFRESH)
            state = repo.mirror()
        if config is None or due is None or due > now:
            self._quiet_until = min(due, now + _QUIET) if due is not None else now + _QUIET
            return
        self._quiet_until = None
        mirrored = state.revision if state is not None and state.source == redacted(config.source) else None
        self._prefetched = Prefetched(now, config, source.read(config, mirrored))

    def handle(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        config = _config(uow, self.cache)
        if config is None:
            return  # the chain ends; applying a config with runbooks starts it again
        repo = uow.repo(RunbookRepository)
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is None or prefetched.config != config or now - prefetched.at >= config.refresh:
            # read by another process, or the config changed meanwhile: never read git inside this
            # transaction (a clone may take minutes, and SQLite has one writer); the next pass's
            # `prepare` reads it
            retry = now + RETRY
            uow.timers.schedule(RUNBOOKS_REFRESH, retry, {}, timer_key(retry), now)
            return
        result = prefetched.result
        savepoint = uow.conn.begin_nested()
        try:
            self.apply(repo, config, result, now)
            savepoint.commit()
        except Exception:  # storing the copy failed (the old one stays): the chain goes on
            savepoint.rollback()
            log.exception("storing the runbooks mirror failed")
            repo.failed(
                redacted(config.source), "storing the copy in the database failed (see the worker's log)", now
            )
        due = next_due(now, config.refresh)
        uow.timers.schedule(RUNBOOKS_REFRESH, due, {}, timer_key(due), now)

    @staticmethod
    def apply(repo: RunbookRepository, config: RunbooksConfig, result: ReadResult, now: datetime) -> None:
        shown = redacted(config.source)  # stored and shown: never a token the URL may carry
        if isinstance(result, Snapshot):
            repo.replace(shown, result, now)
            if result.skipped:
                log.warning("runbooks: %d files left out, e.g. %s", len(result.skipped), result.skipped[0])
        elif isinstance(result, Unchanged):
            repo.unchanged(shown, now)
        elif isinstance(result, Failed):
            log.warning("runbooks: %s unreadable, keeping the last good copy: %s", shown, result.error)
            repo.failed(shown, result.error, now)
