"""The fast lane in the server's event loop (PostgreSQL): ingest's common case without a thread.

Requests whose alerts all join open groups (see commands/ingest_fast.py) are written by one
statement on an asyncio psycopg connection, from the event loop that answers them: requests that
arrive while a statement is in flight wait together and go in the next one (or, when they carry
many alerts, in a statement of their own on another connection: see PARALLEL_FROM_ALERTS). This saves what a
hand-over to a writer thread costs per batch (two thread wake-ups, the GIL passed back and forth):
one server process took 1 alert/request from ~3.7-4.8k to ~4.9-5.5k alerts/s at 8 connections.

Anything else (a group to open, an acknowledge or resolve, a config applied since, a database
error) goes to the group-commit writers (commands/group_commit.py), which take the ordinary path
and tell the lane which groups are open now. The lane runs only between the app's startup and
shutdown (the ASGI lifespan), on the loop that started it; elsewhere (an app driven without a
lifespan, as by a test client that starts a loop per request) requests go to group commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from onwatch.commands.alert_rows import IngestResult
from onwatch.commands.alerts import AlertIngest
from onwatch.commands.group_commit import GroupCommit
from onwatch.domain.alerts import AlertAction, AlertEvent
from onwatch.store import alert_batch
from onwatch.store.alerts import IntegrationRecord

log = logging.getLogger(__name__)

# A statement joins the one in flight when the requests waiting carry this many alerts: large batches
# keep PostgreSQL busy while Python answers the last one and prepares the next (1.3-1.5x the alerts/s
# at 100 alerts/request); small ones are better waiting for the statement in flight, since each
# statement costs ~0.3 ms of PostgreSQL CPU whatever its size (1 alert/request slowed by a second).
PARALLEL_FROM_ALERTS = 50
MAX_STATEMENTS = 3


@dataclass
class _Waiting:
    integration: IntegrationRecord
    events: Sequence[AlertEvent]
    future: asyncio.Future[list[IngestResult]]


class AsyncFastLane:
    def __init__(
        self,
        ingest: AlertIngest,
        group_commit: GroupCommit,
        statements: int = MAX_STATEMENTS,
        parallel_from: int = PARALLEL_FROM_ALERTS,
    ) -> None:
        self.ingest = ingest
        self.group_commit = group_commit
        self.open_groups = group_commit.open_groups
        self.statements = statements  # at most this many in flight, each on its own connection
        self.parallel_from = parallel_from
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[psycopg.AsyncConnection[Any]] = []  # connections no statement is using
        self._pending: list[_Waiting] = []
        self._pending_alerts = 0
        self._flushing = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.committed = 0  # batches this lane committed itself
        self.most_in_flight = 0  # the most statements it had in flight at once

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

    async def submit(
        self, integration: IntegrationRecord, events: Sequence[AlertEvent]
    ) -> list[IngestResult]:
        """The results once the alerts are committed (here or by group commit)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop or any(e.action is not AlertAction.TRIGGER for e in events):
            return await self.group_commit.submit(integration, events)
        waiting = _Waiting(integration, events, loop.create_future())
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
                conn = await self._write(batch, conn)
        finally:
            self._flushing -= 1
            if conn is not None:
                if self._loop is None:  # stopped meanwhile
                    await _close(conn)
                else:
                    self._idle.append(conn)

    async def _write(
        self, batch: list[_Waiting], conn: psycopg.AsyncConnection[Any] | None
    ) -> psycopg.AsyncConnection[Any] | None:
        """Commits or hands over the batch; returns the connection to use next (None: a new one)."""
        by_integration: dict[str, list[_Waiting]] = {}
        for waiting in batch:
            by_integration.setdefault(waiting.integration.id, []).append(waiting)
        for items in by_integration.values():
            events = [e for w in items for e in w.events]
            try:
                results, conn = await self._apply(items[0].integration, events, conn)
            except Exception:  # a bug must not strand the requests: the ordinary path answers them
                log.exception("ingest fast lane (event loop) failed; using the ordinary path")
                results = None
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
            found = await alert_batch.triggers_in_open_groups_async(
                conn, integration.id, batch.rows, self.ingest.clock.now(), batch.revision
            )
        except psycopg.Error:
            # the statement is atomic: nothing was written; the ordinary path retries or reports
            log.warning("ingest fast lane (event loop) failed; using the ordinary path", exc_info=True)
            if conn is not None:
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


async def _close(conn: psycopg.AsyncConnection[Any]) -> None:
    with contextlib.suppress(psycopg.Error):
        await conn.close()
