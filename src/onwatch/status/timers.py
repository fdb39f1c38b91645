"""The status page's timer kind: challenge webhook subscribers that were active without ever having
echoed one (subscriptions made before the challenge existed; migration 0020 queues the timer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from onwatch.db.timers import TimerRecord
from onwatch.db.uow import UnitOfWork
from onwatch.engine.timers import TimerKinds
from onwatch.paging.links import LinkSigner
from onwatch.status.subscribers import SubscriberRepository
from onwatch.status.subscriptions import RECONFIRM, challenge_row

RECHALLENGE = "status_rechallenge"


def register(
    kinds: TimerKinds, signer: Callable[[UnitOfWork], LinkSigner], page_name: str = "onwatch"
) -> None:
    def rechallenge(uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        """A challenge for each listed subscriber still unconfirmed and subscribed (a subscriber
        who unsubscribed, or re-subscribed and echoed since, is left alone)."""
        ids = [int(i) for i in timer.payload.get("subscribers", [])]
        waiting = [
            s
            for s in SubscriberRepository(uow.conn).by_ids(ids)
            if s.kind == "webhook" and s.confirmed_at is None and s.unsubscribed_at is None
        ]
        if waiting:
            public_url = signer(uow).public_url
            uow.outbox.enqueue([challenge_row(s, public_url, page_name, now, RECONFIRM) for s in waiting])

    kinds.register(RECHALLENGE, rechallenge)
