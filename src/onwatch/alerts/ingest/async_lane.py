"""The fast lane in the server's event loop (PostgreSQL): ingest's common case without a thread.

Requests whose alerts all join open groups (see alerts/ingest/fast_lane.py) are written by one
statement on an asyncio psycopg connection, from the event loop that answers them, batched as
alerts/ingest/async_batches.py describes. One server process took 1 alert/request from ~3.7-4.8k to
~4.9-5.5k alerts/s at 8 connections this way (instead of a writer thread).

Anything else (a group to open, an acknowledge or resolve, a config applied since, a database
error) goes to the group-commit writers (alerts/ingest/group_commit.py), which take the ordinary path
and tell the lane which groups are open now. Elsewhere than on the loop that started the lane (an
app driven without a lifespan, as by a test client that starts a loop per request) requests go to
group commit too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.alerts.ingest.async_batches import MAX_STATEMENTS, PARALLEL_FROM_ALERTS, AsyncBatches, discard
from onwatch.alerts.ingest.group_commit import GroupCommit
from onwatch.alerts.ingest.rows import IngestResult
from onwatch.alerts.store import batch as alert_batch
from onwatch.paging.domain.alerts import AlertAction, AlertEvent
from onwatch.paging.store.groups import IntegrationRecord

log = logging.getLogger(__name__)


@dataclass
class _Waiting:
    integration: IntegrationRecord
    events: Sequence[AlertEvent]
    future: asyncio.Future[list[IngestResult] | None]
    inboxed: bool  # not applied here: answered None, the caller puts the body in the inbox


class AsyncFastLane(AsyncBatches[_Waiting]):
    def __init__(
        self,
        ingest: AlertIngest,
        group_commit: GroupCommit,
        statements: int = MAX_STATEMENTS,
        parallel_from: int = PARALLEL_FROM_ALERTS,
    ) -> None:
        super().__init__(ingest.db, statements, parallel_from)
        self.ingest = ingest
        self.group_commit = group_commit
        self.open_groups = group_commit.open_groups

    async def submit(
        self, integration: IntegrationRecord, events: Sequence[AlertEvent]
    ) -> list[IngestResult]:
        """The results once the alerts are committed (here or by group commit)."""
        if not self.running() or any(e.action is not AlertAction.TRIGGER for e in events):
            return await self.group_commit.submit(integration, events)
        waiting = _Waiting(integration, events, asyncio.get_running_loop().create_future(), False)
        results: list[IngestResult] = await self._enqueue(waiting, len(events))
        return results

    async def try_before_inbox(
        self, integration: IntegrationRecord, events: Sequence[AlertEvent]
    ) -> list[IngestResult] | None:
        """For a route whose bodies may wait in the inbox: the results if the fast statement
        committed the alerts (all triggers joining open groups, and no body of the integration waiting
        in the inbox, which they would overtake); None if nothing was written."""
        if not self.running() or any(e.action is not AlertAction.TRIGGER for e in events):
            return None
        waiting = _Waiting(integration, events, asyncio.get_running_loop().create_future(), True)
        results: list[IngestResult] | None = await self._enqueue(waiting, len(events))
        return results

    async def _write(
        self, batch: list[_Waiting], conn: psycopg.AsyncConnection[Any] | None
    ) -> psycopg.AsyncConnection[Any] | None:
        """Commits or hands over the batch; returns the connection to use next (None: a new one)."""
        by_integration: dict[tuple[str, bool], list[_Waiting]] = {}
        for waiting in batch:
            by_integration.setdefault((waiting.integration.id, waiting.inboxed), []).append(waiting)
        for (_, inboxed), items in by_integration.items():
            events = [e for w in items for e in w.events]
            try:
                results, conn = await self._apply(items[0].integration, events, conn, inboxed)
            except Exception:  # a bug must not strand the requests: the ordinary path answers them
                log.exception("ingest fast lane (event loop) failed; using the ordinary path")
                results = None
            if results is None:
                for waiting in items:
                    if inboxed:
                        if not waiting.future.done():
                            waiting.future.set_result(None)
                    else:
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
        after_inbox: bool,
    ) -> tuple[list[IngestResult] | None, psycopg.AsyncConnection[Any] | None]:
        """Results if the batch was committed here, None if it was not (nothing written); and the
        connection to use next."""
        batch = self.open_groups.batch(integration, events)
        if batch is None:
            return None, conn
        try:
            conn = conn if conn is not None and not conn.closed else await self._connection()
            found = await alert_batch.triggers_in_open_groups_async(
                conn,
                integration.id,
                batch.rows,
                self.ingest.clock.now(),
                batch.revision,
                after_inbox=after_inbox,
            )
        except psycopg.Error:
            # the statement is atomic: nothing was written; the ordinary path retries or reports
            log.warning("ingest fast lane (event loop) failed; using the ordinary path", exc_info=True)
            await discard(conn)
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
