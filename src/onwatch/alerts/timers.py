"""Alerts' timer kind: a heartbeat monitor's silence (`heartbeat`) raises its alert."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from onwatch.alerts.heartbeats import HEARTBEAT, heartbeat_missed
from onwatch.config.cache import ConfigCache
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import UnitOfWork
from onwatch.engine.timers import TimerKinds
from onwatch.paging.links import LinkSigner


def register(kinds: TimerKinds, cache: ConfigCache, signer: Callable[[UnitOfWork], LinkSigner]) -> None:
    def missed(uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        heartbeat_missed(uow, timer, now, cache, signer(uow))

    kinds.register(HEARTBEAT, missed)
