"""Accepting alert payloads into the inbox from the server's event loop (PostgreSQL).

The Alertmanager route answers a storm (a request of INBOX_FROM_ALERTS alerts or more, or one whose
integration has bodies waiting) once the request body is committed to `alert_inbox`: one small
append per batch of requests (batched as alerts/ingest/async_batches.py describes, bodies in binary),
instead of deduplicating, grouping and paging before the answer. The accepting server then kicks
its `InboxApplier` (alerts/ingest/inbox_apply.py), which applies the rows right after, in order, in the
transaction that deletes them, using the events parsed here (kept by a token stored with the body);
the engine sweeps up rows whose server died before applying them.

Elsewhere than on the loop that started the lane (SQLite, or an app driven without a lifespan),
or if the append fails, `accept` says no and the route applies the alerts before answering.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from onwatch.alerts.ingest.async_batches import AsyncBatches, discard
from onwatch.alerts.ingest.inbox_apply import InboxApplier
from onwatch.alerts.store import inbox as alert_inbox
from onwatch.paging.domain.alerts import AlertEvent

log = logging.getLogger(__name__)

# Requests with this many alerts go to the inbox even when they could be applied by one statement
# before the answer: a statement of 100 alerts costs PostgreSQL ~4 ms, their append ~0.1 ms
INBOX_FROM_ALERTS = 50
MAX_WAITING_ALERTS = 50_000
FULL_WAIT_SECONDS = 10.0
BACKLOG_SECONDS = 0.1  # how often a busy server counts the inbox
ACCEPTING_SECONDS = 0.05  # after a body is accepted, the server counts as taking a storm this long


@dataclass
class _Accepted:
    integration_id: str
    received_at: datetime
    body: bytes
    alerts: int
    token: int
    future: asyncio.Future[bool]


class InboxFull(Exception):
    """The cluster's inbox held more than `max_waiting` alerts for `full_wait` seconds: nothing stored."""


class InboxLane(AsyncBatches[_Accepted]):
    def __init__(
        self,
        applier: InboxApplier,
        from_alerts: int = INBOX_FROM_ALERTS,
        max_waiting: int = MAX_WAITING_ALERTS,
    ) -> None:
        super().__init__(applier.ingest.db)
        self.applier = applier
        self.from_alerts = from_alerts  # requests of this many alerts go to the inbox; 0: none do
        # Backpressure: while the inbox (all servers') holds more alerts than this, requests wait
        # (up to `full_wait` s, then 503), so a page is never decided more than ~max_waiting / drain
        # rate (~40k alerts/s here) after its alert was answered
        self.max_waiting = max_waiting
        self.full_wait = FULL_WAIT_SECONDS
        self._backlog = 0
        self._backlog_at = float("-inf")
        # integrations with bodies accepted here that this process's applier has not drained yet:
        # a hint that their next requests should not try to go first (the fast statement checks)
        self._waiting: set[str] = set()
        applier.on_drained = self._waiting.discard

    def running(self) -> bool:
        return self.from_alerts > 0 and super().running()

    def waiting(self, integration_id: str) -> bool:
        """Bodies of the integration accepted here may still wait (no database call)."""
        return integration_id in self._waiting

    async def has_waiting(self, integration_id: str) -> bool:
        """Whether bodies of the integration wait in the inbox, accepted here or by other servers
        (one query; True when it cannot be asked: the inbox is then the safe way)."""
        if integration_id in self._waiting:
            return True
        try:
            return await self._ask(lambda conn: alert_inbox.has_waiting(conn, integration_id))
        except Exception:
            log.warning("could not ask the alert inbox; queueing behind it", exc_info=True)
            return True

    async def accept(
        self, integration_id: str, received_at: datetime, body: bytes, events: Sequence[AlertEvent]
    ) -> bool:
        """True once the body (which parsed into `events` at `received_at`) is committed to the
        inbox: the applier then applies it; False when it was not (nothing stored): the caller applies
        the alerts itself."""
        if not self.running():
            return False
        await self._room()
        if self._backlog < self.max_waiting // 2:  # answering first while the backlog is small
            self.applier.accepting_until = time.monotonic() + ACCEPTING_SECONDS
        token = self.applier.remember(integration_id, received_at, events)
        self._waiting.add(integration_id)
        future = asyncio.get_running_loop().create_future()
        waiting = _Accepted(integration_id, received_at, body, len(events), token, future)
        accepted: bool = await self._enqueue(waiting, len(events))
        return accepted

    async def _room(self) -> None:
        """Return once the inbox holds no more than `max_waiting` alerts; InboxFull after `full_wait`."""
        deadline = time.monotonic() + self.full_wait
        while await self._waiting_alerts() > self.max_waiting:
            if time.monotonic() > deadline:
                raise InboxFull(f"more than {self.max_waiting} alerts wait in the inbox")
            await asyncio.sleep(BACKLOG_SECONDS)

    async def _waiting_alerts(self) -> int:
        """The inbox's waiting alerts (all servers'), asked at most every BACKLOG_SECONDS."""
        if time.monotonic() - self._backlog_at < BACKLOG_SECONDS:
            return self._backlog
        try:
            self._backlog = await self._ask(alert_inbox.waiting_alerts)
        except psycopg.Error:
            log.warning("could not count the alert inbox", exc_info=True)
            return self._backlog
        self._backlog_at = time.monotonic()
        return self._backlog

    async def _write(
        self, batch: list[_Accepted], conn: psycopg.AsyncConnection[Any] | None
    ) -> psycopg.AsyncConnection[Any] | None:
        try:
            conn = conn if conn is not None and not conn.closed else await self._connection()
            await alert_inbox.append(
                conn, [(w.integration_id, w.received_at, w.body, w.alerts, w.token) for w in batch]
            )
        except Exception:  # psycopg.Error, or a bug: nothing was stored, the requests go the slow way
            log.warning("alert inbox append failed; applying the alerts before answering", exc_info=True)
            await discard(conn)
            for waiting in batch:
                self.applier.forget(waiting.token)
            conn, accepted = None, False
        else:
            self.committed += 1
            accepted = True
            self.applier.kick({w.integration_id for w in batch})
        for waiting in batch:
            if not waiting.future.done():
                waiting.future.set_result(accepted)
        return conn
