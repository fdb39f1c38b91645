"""Applying the alert inbox (store.alert_inbox): accepted request bodies become alerts and pages.

The server that accepted a body kicks its applier right after the commit, so a page is decided
milliseconds later; the engine (`onwatch worker`, or `serve`'s own) sweeps every few seconds for rows
nobody kicked for (their server died after answering). Each transaction takes one integration's
oldest rows (under that integration's advisory lock, so two appliers never reorder its alerts), parses
them again exactly as they were parsed when accepted, applies them as one ingest batch and deletes
them: a row is applied once, or not at all. A row whose transaction fails is retried alone; if it
fails alone it is marked `failed` (kept, logged and counted, never applied half).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from onwatch.commands.alerts import AlertIngest, IngestRun, retryable
from onwatch.commands.ingest_fast import OpenGroups
from onwatch.domain.alerts import AlertEvent
from onwatch.integrations import alertmanager
from onwatch.store import alert_inbox
from onwatch.store.alert_inbox import InboxRow
from onwatch.store.alerts import IntegrationRecord

log = logging.getLogger(__name__)

# How each kind of integration's bodies are parsed (the same parser that accepted them)
PARSERS: dict[str, Callable[[Any, datetime], list[AlertEvent]]] = {"alertmanager": alertmanager.parse}
# What one transaction applies at most: under a storm, big transactions are what keep up (the fast
# statement costs ~45 us per alert at 100 alerts, ~300 us at 1), but each holds its alerts' locks
ROWS_PER_TRANSACTION = 500
ALERTS_PER_TRANSACTION = 2000
MAX_REMEMBERED = 10_000  # bodies whose parsed events are kept for the applier
LINGER = 0.01  # seconds between passes while rows keep coming (an idle applier starts at once)


class InboxApplier:
    def __init__(self, ingest: AlertIngest, open_groups: OpenGroups | None = None) -> None:
        self.ingest = ingest
        self.open_groups = open_groups  # told which groups are open now (the fast lanes' hint)
        self.on_drained: Callable[[str], None] = lambda integration_id: None  # none of its rows left
        self.applied = 0  # rows applied by this applier
        self.failed = 0  # rows it marked failed
        self._due: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        # the events of bodies this process accepted, as parsed then: applying them here needs no
        # second parse (a third of the applier's time); a body applied elsewhere is parsed again
        self._parsed: dict[int, tuple[str, datetime, Sequence[AlertEvent]]] = {}  # by token
        self._parsed_lock = threading.Lock()

    # ---- in the background (the server's accepting side) --------------------------------------

    def remember(self, integration_id: str, received_at: datetime, events: Sequence[AlertEvent]) -> int:
        """Before a body is appended to the inbox: the events it parsed into (at `received_at`).
        Returns the token to store with it."""
        token = secrets.randbits(63)
        with self._parsed_lock:
            self._parsed[token] = (integration_id, received_at, events)
            while len(self._parsed) > MAX_REMEMBERED:  # applied elsewhere, or never appended
                del self._parsed[next(iter(self._parsed))]
        return token

    def forget(self, token: int | None) -> None:
        if token is not None:
            with self._parsed_lock:
                self._parsed.pop(token, None)

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

    def _run(self) -> None:
        while True:
            stopping = self._stop.is_set()  # one more pass after close(): what was kicked is applied
            with self._lock:
                due, self._due = self._due, set()
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
            if applied:
                # under load, let rows gather: one transaction of many costs little more than one
                # of a few, and small ones at every kick took the GIL from the requests
                self._stop.wait(LINGER)
            self._wake.wait()
            self._wake.clear()

    # ---- one pass -----------------------------------------------------------------------------

    def sweep(self) -> int:
        """Apply every integration's waiting rows; returns how many were applied."""
        with self.ingest.db.read() as uow:
            waiting = alert_inbox.waiting_integrations(uow.conn)
        return sum(self.drain(i) for i in waiting)

    def drain(self, integration_id: str) -> int:
        """Apply the integration's rows until none is left; returns how many."""
        total = 0
        while done := self.apply_next(integration_id):
            total += done
        self.on_drained(integration_id)
        return total

    def apply_next(self, integration_id: str) -> int:
        """One transaction: the integration's oldest rows applied and deleted. Returns how many rows
        it took (applied or marked failed): 0 when there were none."""
        for attempt in range(3):
            try:
                return self._apply(integration_id, ROWS_PER_TRANSACTION)
            except (IntegrityError, OperationalError) as exc:
                # another replica opened the same alert or group at the same moment, or PostgreSQL
                # broke a lock cycle: try again; then one row at a time
                if not retryable(exc) or attempt == 2:
                    break
            except Exception:
                log.exception(
                    "applying alert inbox rows of %s failed; applying them one by one", integration_id
                )
                break
        return self._apply_alone(integration_id)

    def _apply(self, integration_id: str, limit: int) -> int:
        ingest = self.ingest
        with ingest.db.write() as uow:
            alert_inbox.lock_integration(uow.conn, integration_id)
            rows = alert_inbox.oldest(uow.conn, integration_id, limit, ALERTS_PER_TRANSACTION)
            if not rows:
                return 0
            integration = uow.alerts.integration_by_id(integration_id)
            if integration is None:  # removed from the config since: nobody to route these to
                for row in rows:
                    alert_inbox.mark_failed(uow.conn, row.id, "the integration no longer exists")
                self.failed += len(rows)
                return len(rows)
            events = self._events(uow.conn, integration, rows)
            run = IngestRun(uow, ingest.cache.get(uow), ingest.signer(uow), integration, ingest.clock.now())
            run.apply_all(events)
            alert_inbox.delete(uow.conn, [row.id for row in rows])
        for row in rows:
            self.forget(row.token)
        self.applied += len(rows)
        ingest.on_commit()
        if self.open_groups is not None:
            self.open_groups.learn_keys(run.group_keys)
        return len(rows)

    def _events(
        self, conn: sa.Connection, integration: IntegrationRecord, rows: list[InboxRow]
    ) -> list[AlertEvent]:
        """The rows' events in order: as parsed when this process accepted them, else parsed again
        from their bodies."""
        known: dict[int, Sequence[AlertEvent]] = {}
        for row in rows:
            found = self._parsed.get(row.token) if row.token is not None else None
            if found is not None and found[:2] == (integration.id, row.received_at):
                known[row.id] = found[2]
        bodies = alert_inbox.bodies(conn, [row.id for row in rows if row.id not in known])
        events: list[AlertEvent] = []
        for row in rows:
            events += (
                known[row.id] if row.id in known else parse(integration, bodies[row.id], row.received_at)
            )
        return events

    def _apply_alone(self, integration_id: str) -> int:
        """The oldest row alone; marked failed if it cannot be applied."""
        try:
            return self._apply(integration_id, 1)
        except OperationalError:
            raise  # the database's trouble, not the row's: retried later
        except Exception as exc:
            log.exception("alert inbox row of %s cannot be applied; marked failed", integration_id)
            with self.ingest.db.write() as uow:
                alert_inbox.lock_integration(uow.conn, integration_id)
                rows = alert_inbox.oldest(uow.conn, integration_id, 1, 1)
                for row in rows:
                    alert_inbox.mark_failed(uow.conn, row.id, f"{type(exc).__name__}: {exc}")
            self.failed += len(rows)
            return len(rows)


def parse(integration: IntegrationRecord, body: bytes, received_at: datetime) -> list[AlertEvent]:
    """The events of an accepted body, exactly as when it was accepted (same parser, same clock)."""
    return PARSERS[integration.kind](orjson.loads(body), received_at)
