"""The runbooks slice's timer kind: the mirror's refresh (onwatch.runbooks.refresh)."""

from __future__ import annotations

from onwatch.config.cache import ConfigCache
from onwatch.engine.timers import TimerKinds
from onwatch.runbooks.refresh import RUNBOOKS_REFRESH, RunbookRefresher


def register(kinds: TimerKinds, cache: ConfigCache) -> RunbookRefresher:
    refresher = RunbookRefresher(cache)
    kinds.register(RUNBOOKS_REFRESH, refresher.handle, prepare=refresher.prepare)
    return refresher
