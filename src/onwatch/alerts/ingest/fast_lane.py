"""The fast path (PostgreSQL): requests whose alerts all join open groups, committed by one statement
sent from the server's event loop.

This is monitoring's steady state (alerts re-firing, new alerts of groups already paging). Requests
queue here; while a statement is in flight, those arriving wait and go together in the next one (or,
when they carry PARALLEL_FROM_ALERTS alerts or more, in a statement of their own on another
connection, up to MAX_STATEMENTS at once). Each statement runs on an asyncio psycopg connection in
autocommit, so one round trip commits a batch, without handing it to a thread.

The statement writes nothing, and says so, when an alert would open a group or the config changed
since it was read; those requests, anything but triggers, and any error here (the statement is
atomic: nothing was written) go to group commit (group_commit.py), which applies them in an ordinary
transaction and tells `OpenGroups` which groups are open now. The lane runs between the app's startup
and shutdown, on the loop that started it; elsewhere requests go to group commit too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.alerts.ingest.group_commit import GroupCommit
from onwatch.alerts.ingest.rows import Grouping, IngestResult, results_in_open_groups, rows_with_group_keys
from onwatch.alerts.store import batch as alert_batch
from onwatch.paging.domain.alerts import AlertAction, AlertEvent
from onwatch.paging.store.groups import IntegrationRecord

log = logging.getLogger(__name__)

MAX_KNOWN_GROUPS = 50_000
# A statement joins the one in flight when the requests waiting carry this many alerts: large batches
# keep PostgreSQL busy while Python answers the last one; small ones do better waiting for the
# statement in flight, since each statement costs about the same PostgreSQL time whatever its size.
PARALLEL_FROM_ALERTS = 50
MAX_STATEMENTS = 3


@dataclass(frozen=True)
class Batch:
    """A batch the fast statement can take: its rows, grouped by the config of `revision`."""

    rows: list[dict[str, Any]]
    revision: int


class OpenGroups:
    """The group keys seen open: a hint, not the truth. The statement checks, and a miss costs one try."""

    def __init__(self, ingest: AlertIngest) -> None:
        self.ingest = ingest
        self._keys: set[str] = set()

    def batch(self, integration: IntegrationRecord, events: Sequence[AlertEvent]) -> Batch | None:
        """The rows for the fast statement, or None when the batch needs the ordinary path: not all
        triggers, no config read yet, or a group it needs not known to be open (the statement would
        likely write nothing, and even that costs a round trip)."""
        if any(e.action is not AlertAction.TRIGGER for e in events):
            return None
        applied = self.ingest.cache.cached
        if applied is None:
            return None
        rows = rows_with_group_keys(events, Grouping(applied, integration))
        if any(row["gk"] not in self._keys for row in rows):
            return None
        return Batch(rows, applied.revision)

    def results(
        self, events: Sequence[AlertEvent], batch: Batch, found: dict[str, tuple[int, str | None]] | None
    ) -> list[IngestResult] | None:
        """What the statement answered, as results; None (forgetting its groups) if it wrote nothing."""
        if found is None:
            self._keys.difference_update(row["gk"] for row in batch.rows)
            return None
        return results_in_open_groups(events, found)

    def learn(self, keys: set[str]) -> None:
        """Groups known open now (group commit just committed alerts into them)."""
        if len(self._keys) > MAX_KNOWN_GROUPS:
            self._keys.clear()
        self._keys |= keys


@dataclass
class _Waiting:
    integration: IntegrationRecord
    events: Sequence[AlertEvent]
    future: asyncio.Future[list[IngestResult]]


class FastLane:
    def __init__(self, ingest: AlertIngest, group_commit: GroupCommit, open_groups: OpenGroups) -> None:
        self.ingest = ingest
        self.group_commit = group_commit
        self.open_groups = open_groups
        self.statements = MAX_STATEMENTS  # at most this many in flight, each on its own connection
        self.parallel_from = PARALLEL_FROM_ALERTS
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[psycopg.AsyncConnection[Any]] = []  # connections no statement is using
        self._pending: list[_Waiting] = []
        self._pending_alerts = 0
        self._flushing = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.committed = 0  # batches committed here
        self.most_in_flight = 0  # the most statements in flight at once

    async def start(self) -> None:
        """From the app's startup: this loop is the one that serves requests until `stop`."""
        if self.ingest.db.dialect == "postgresql":
            self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        """Closes the idle connections; those of statements still in flight close when they end."""
        self._loop = None
        idle, self._idle = self._idle, []
        for conn in idle:
            await _close(conn)

    def running(self) -> bool:
        """Whether requests on the current loop can be written here."""
        return self._loop is not None and asyncio.get_running_loop() is self._loop

    async def submit(
        self, integration: IntegrationRecord, events: Sequence[AlertEvent]
    ) -> list[IngestResult]:
        """The results once the alerts are committed (here or by group commit)."""
        if not self.running() or any(e.action is not AlertAction.TRIGGER for e in events):
            return await self.group_commit.submit(integration, events)
        waiting = _Waiting(integration, events, asyncio.get_running_loop().create_future())
        self._pending.append(waiting)
        self._pending_alerts += len(events)
        if not self._flushing or (
            self._flushing < self.statements and self._pending_alerts >= self.parallel_from
        ):
            self._flushing += 1
            self.most_in_flight = max(self.most_in_flight, self._flushing)
            self._spawn(self._flush())
        return await waiting.future

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)  # the loop keeps only a weak reference to its tasks
        task.add_done_callback(self._tasks.discard)

    async def _flush(self) -> None:
        conn: psycopg.AsyncConnection[Any] | None = None
        try:
            while self._pending:
                batch, self._pending, self._pending_alerts = self._pending, [], 0
                try:
                    conn = await self._write(batch, conn)
                except Exception:  # a bug must not strand the requests: the ordinary path answers them
                    log.exception("ingest fast lane failed; using group commit")
                    await _close(conn)
                    conn = None
                    for waiting in batch:
                        if not waiting.future.done():
                            self._spawn(self._ordinary(waiting))
        finally:
            self._flushing -= 1
            if conn is not None:
                self._release(conn)

    async def _write(
        self, batch: list[_Waiting], conn: psycopg.AsyncConnection[Any] | None
    ) -> psycopg.AsyncConnection[Any] | None:
        """Commits the batch, one statement per integration, or hands its requests to group commit;
        returns the connection to use next (None: a new one)."""
        by_integration: dict[str, list[_Waiting]] = {}
        for waiting in batch:
            by_integration.setdefault(waiting.integration.id, []).append(waiting)
        for items in by_integration.values():
            events = [e for w in items for e in w.events]
            results, conn = await self._apply(items[0].integration, events, conn)
            if results is None:
                for waiting in items:
                    self._spawn(self._ordinary(waiting))
                continue
            start = 0
            for waiting in items:
                if not waiting.future.done():
                    waiting.future.set_result(results[start : start + len(waiting.events)])
                start += len(waiting.events)
        return conn

    async def _apply(
        self,
        integration: IntegrationRecord,
        events: list[AlertEvent],
        conn: psycopg.AsyncConnection[Any] | None,
    ) -> tuple[list[IngestResult] | None, psycopg.AsyncConnection[Any] | None]:
        """Results if the batch was committed here, None if it was not (nothing written); and the
        connection to use next."""
        batch = self.open_groups.batch(integration, events)
        if batch is None:
            return None, conn
        try:
            conn = conn if conn is not None and not conn.closed else await self._connection()
            found = await alert_batch.triggers_in_open_groups(
                conn, integration.id, batch.rows, self.ingest.clock.now(), batch.revision
            )
        except psycopg.Error:
            log.warning("ingest fast lane failed; using group commit", exc_info=True)
            await _close(conn)
            return None, None
        results = self.open_groups.results(events, batch, found)
        if results is not None:
            self.committed += 1
        return results, conn

    async def _ordinary(self, waiting: _Waiting) -> None:
        try:
            results = await self.group_commit.submit(waiting.integration, waiting.events)
        except Exception as exc:
            if not waiting.future.done():
                waiting.future.set_exception(exc)
            return
        if not waiting.future.done():
            waiting.future.set_result(results)

    def _release(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if self._loop is None:  # stopped meanwhile
            self._spawn(_close(conn))
        else:
            self._idle.append(conn)

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
        engine = self.ingest.db.engine
        # connected exactly as SQLAlchemy connects (same URL, same options), autocommit: the
        # statement commits itself
        args, options = engine.dialect.create_connect_args(engine.url)
        return await psycopg.AsyncConnection.connect(*args, **{**options, "autocommit": True})


async def _close(conn: psycopg.AsyncConnection[Any] | None) -> None:
    if conn is not None:
        with contextlib.suppress(psycopg.Error):
            await conn.close()
