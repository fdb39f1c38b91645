"""Applying the alert inbox (store.alert_inbox): accepted request bodies become alerts and pages.

The server that accepted a body kicks its applier right after the commit, so a page is decided
milliseconds later; the engine (`onwatch worker`, or `serve`'s own) sweeps every few seconds for rows
nobody kicked for (their server died after answering). An applier drains one integration at a time,
holding its advisory lock (alerts/ingest/inbox_drain.py: in order per alert, a row applied once or not
at all, a row that cannot be applied kept as `failed`), with the events this process parsed when it
accepted the body (found by a token stored with it), or parsed again exactly as then.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import sqlalchemy as sa

from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.alerts.ingest.fast_lane import OpenGroups
from onwatch.alerts.ingest.inbox_drain import ALERTS_PER_TRANSACTION, WORKERS, Drain
from onwatch.alerts.sources import alertmanager
from onwatch.alerts.store import inbox as alert_inbox
from onwatch.alerts.store.inbox import InboxRow
from onwatch.paging.domain.alerts import AlertEvent
from onwatch.paging.store.groups import IntegrationRecord

log = logging.getLogger(__name__)

# How each kind of integration's bodies are parsed (the same parser that accepted them)
PARSERS: dict[str, Callable[[bytes, datetime], Sequence[AlertEvent]]] = {
    "alertmanager": alertmanager.parse_body
}
MAX_REMEMBERED = 10_000  # bodies whose parsed events are kept for the applier
REMEMBER_SECONDS = 30.0  # and for this long (the backpressure cap is ~1-2 s of applying)
LINGER = 0.01  # seconds between passes while rows keep coming (an idle applier starts at once)
# While this server answers a storm and has accepted at least a transaction's worth of alerts more than
# it applied, its applier steps aside (for up to MAX_HOLD, then applies one transaction and looks
# again): both share one interpreter lock, and answering is what a monitoring system waits for
# (100 alerts/request: 69-96k -> 114-170k alerts/s accepted, applied no slower: it then takes the
# backlog in full transactions). A drain's first transaction (the oldest body alone: a storm's first
# alerts, its first pages), and a steady flow that the applier keeps up with, are applied at once.
HOLD_FROM_ALERTS = ALERTS_PER_TRANSACTION
MAX_HOLD = 0.25


class InboxApplier:
    def __init__(self, ingest: AlertIngest, open_groups: OpenGroups | None = None) -> None:
        self.ingest = ingest
        self.open_groups = open_groups  # told which groups are open now (the fast lanes' hint)
        self.on_drained: Callable[[str], None] = lambda integration_id: None  # none of its rows left
        self.applied = 0  # rows applied by this applier
        self.accepting_until = 0.0  # monotonic time until which this process is taking a storm
        self._due: set[str] = set()
        self._retry: set[str] = set()  # held by another applier when last tried
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="onwatch-inbox-apply")
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        # the events of bodies this process accepted, as parsed then: applying them here needs no
        # second parse (a third of the applier's time); a body applied elsewhere is parsed again
        # by token, in the order remembered: (integration, received at, events, monotonic time)
        self._parsed: dict[int, tuple[str, datetime, Sequence[AlertEvent], float]] = {}
        self._parsed_lock = threading.Lock()
        self.unapplied_alerts = 0  # the alerts of the bodies remembered (accepted here, not applied yet)

    # ---- in the background (the server's accepting side) --------------------------------------

    def remember(self, integration_id: str, received_at: datetime, events: Sequence[AlertEvent]) -> int:
        """Before a body is appended to the inbox: the events it parsed into (at `received_at`).
        Returns the token to store with it."""
        # unique, not secret: a fast generator (secrets' reads /dev/urandom: 5% of accepting)
        token = random.getrandbits(63)
        now = time.monotonic()
        with self._parsed_lock:
            self._parsed[token] = (integration_id, received_at, events, now)
            self.unapplied_alerts += len(events)
            # bodies that another process applied (or that never got appended) are forgotten after a
            # while, so that `unapplied_alerts` says what this one is behind on
            while self._parsed:
                oldest, (*_, at) = next(iter(self._parsed.items()))
                if len(self._parsed) <= MAX_REMEMBERED and now - at <= REMEMBER_SECONDS:
                    break
                self._drop(oldest)
        return token

    def forget(self, token: int | None) -> None:
        if token is not None:
            with self._parsed_lock:
                self._drop(token)

    def _drop(self, token: int) -> None:
        dropped = self._parsed.pop(token, None)
        if dropped is not None:
            self.unapplied_alerts -= len(dropped[2])

    def kick(self, integration_ids: Iterable[str]) -> None:
        """Rows of these integrations were just committed: apply them now (on the applier's thread)."""
        with self._lock:
            self._due.update(integration_ids)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="onwatch-inbox", daemon=True)
                self._thread.start()
        self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True)

    def _run(self) -> None:
        while True:
            stopping = self._stop.is_set()  # one more pass after close(): what was kicked is applied
            with self._lock:
                due, self._due = self._due | self._retry, set()
                self._retry = set()
            applied = 0
            try:
                for integration_id in sorted(due):
                    applied += self.drain(integration_id)
            except Exception:  # the database is away: the engine's sweep (or the next kick) retries
                log.exception("applying the alert inbox failed; retrying")
                with self._lock:
                    self._due |= due
                if stopping:
                    return
                self._stop.wait(1.0)
            if stopping:
                return
            if applied or self._retry:
                # under load, let rows gather: one transaction of many costs little more than one
                # of a few, and small ones at every kick took the GIL from the requests
                self._stop.wait(LINGER)
            if not self._retry:
                self._wake.wait()
            self._wake.clear()

    # ---- one pass -----------------------------------------------------------------------------

    def sweep(self) -> int:
        """Apply every integration's waiting rows; returns how many were applied."""
        with self.ingest.db.read() as uow:
            waiting = alert_inbox.waiting_integrations(uow.conn)
        return sum(self.drain(i, retry=False) for i in waiting)

    def drain(self, integration_id: str, *, retry: bool = True) -> int:
        """Apply the integration's rows until none is left; returns how many. When another applier
        holds the integration, nothing (that one drains it), and with `retry` this one looks again
        shortly (in case that one was just finishing)."""
        with alert_inbox.integration_lock(self.ingest.db.engine, integration_id) as held:
            if not held:
                if retry:
                    with self._lock:
                        self._retry.add(integration_id)
                return 0
            with self.ingest.db.read() as uow:
                integration = uow.alerts.integration_by_id(integration_id)
            if integration is None:  # removed from the config since: nobody to route these to
                return self._orphaned(integration_id)
            taken = Drain(
                self.ingest, integration, self._pool, self._events, self._applied, self._workers, self._hold
            ).run()
        self.on_drained(integration_id)
        return taken

    def _workers(self) -> int:
        """One transaction at a time while this process is answering a storm (the CPU goes to
        answering), two once it stops (PostgreSQL then runs two statements at once)."""
        return 1 if time.monotonic() < self.accepting_until else WORKERS

    def _hold(self) -> None:
        """Before each transaction of a drain but the first: wait while this server answers a storm
        it is behind on (see HOLD_FROM_ALERTS), at most MAX_HOLD."""
        deadline = time.monotonic() + MAX_HOLD
        while (
            time.monotonic() < min(deadline, self.accepting_until)
            and self.unapplied_alerts >= HOLD_FROM_ALERTS
            and not self._stop.wait(0.005)
        ):
            pass

    def _orphaned(self, integration_id: str) -> int:
        with self.ingest.db.write() as uow:
            return alert_inbox.mark_integration_failed(
                uow.conn, integration_id, "the integration no longer exists"
            )

    def _events(
        self, conn: sa.Connection, integration: IntegrationRecord, rows: list[InboxRow]
    ) -> list[list[AlertEvent]]:
        """Each row's events: as parsed when this process accepted it, else parsed again from its body."""
        known: dict[int, Sequence[AlertEvent]] = {}
        for row in rows:
            found = self._parsed.get(row.token) if row.token is not None else None
            if found is not None and found[:2] == (integration.id, row.received_at):
                known[row.id] = found[2]
        bodies = alert_inbox.bodies(conn, [row.id for row in rows if row.id not in known])
        return [
            list(known[row.id] if row.id in known else parse(integration, bodies[row.id], row.received_at))
            for row in rows
        ]

    def _applied(self, rows: list[InboxRow], group_keys: set[str]) -> None:
        for row in rows:
            self.forget(row.token)
        self.applied += len(rows)
        if self.open_groups is not None:
            self.open_groups.learn_keys(group_keys)


def parse(integration: IntegrationRecord, body: bytes, received_at: datetime) -> Sequence[AlertEvent]:
    """The events of an accepted body, exactly as when it was accepted (same parser, same clock)."""
    return PARSERS[integration.kind](body, received_at)
