"""Draining one integration's alert inbox: its waiting bodies applied in order, two transactions at
a time when they touch different alerts.

The drainer holds the integration's advisory lock (a session lock, store.alert_inbox) for the whole
drain, so one applier in the cluster drains an integration at a time. It reads the rows in the order
they were accepted, a transaction's worth at a time (ALERTS_PER_TRANSACTION), and hands each batch to
one of WORKERS threads; a batch waits for every earlier batch still in flight that shares one of its
alerts, so an alert's events are applied in the order they were accepted, while a storm's batches of
different alerts run side by side (PostgreSQL then runs two statements at once: 1.4x here). Each batch
is one transaction that applies the rows and deletes them, retried on a conflicting concurrent write;
a batch that still fails is applied row by row before anything that shares its alerts, and a row
that fails alone is kept, marked `failed`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.alerts.store import inbox as alert_inbox
from onwatch.alerts.store.inbox import InboxRow
from onwatch.db.uow import UnitOfWork
from onwatch.paging.domain.alerts import AlertEvent
from onwatch.paging.store.groups import IntegrationRecord

log = logging.getLogger(__name__)

# What one transaction applies at most: under a storm, big transactions are what keep up (the fast
# statement costs ~45 us per alert at 100 alerts, ~300 us at 1), but each holds its alerts' locks
ROWS_PER_TRANSACTION = 500
ALERTS_PER_TRANSACTION = 2000
WORKERS = 2

EventsOf = Callable[[sa.Connection, IntegrationRecord, list[InboxRow]], list[list[AlertEvent]]]


@dataclass
class _Batch:
    rows: list[InboxRow]
    per_row: list[list[AlertEvent]]  # each row's events
    keys: set[str]
    done: Future[set[str]]  # the group keys its triggers joined or opened


class Drain:
    """One integration's drain, by the applier that holds its lock."""

    def __init__(
        self,
        ingest: AlertIngest,
        integration: IntegrationRecord,
        pool: ThreadPoolExecutor,
        events_of: EventsOf,
        applied: Callable[[list[InboxRow], set[str]], None],
        workers: Callable[[], int] = lambda: WORKERS,
        pause: Callable[[], None] = lambda: None,
    ) -> None:
        self.ingest = ingest
        self.integration = integration
        self.pool = pool
        self.events_of = events_of  # each row's events (as parsed on accept, or parsed again)
        self.applied = applied  # told of every committed batch (rows, group keys)
        self.workers = workers  # how many transactions may be in flight now
        self.pause = pause  # before each transaction but the first: returns when it may go on
        self._in_flight: list[_Batch] = []
        self.rows = 0  # taken: applied or marked failed

    def run(self) -> int:
        after = 0
        first = True
        try:
            while True:
                # the oldest body goes at once, alone (a storm's first alerts: its first pages, soon
                # after its answer, without holding the next answers up for a whole transaction); the
                # applier may step aside before each later one (never while nothing is waiting)
                with self.ingest.db.read() as uow:
                    rows = alert_inbox.oldest(
                        uow.conn,
                        self.integration.id,
                        1 if first else ROWS_PER_TRANSACTION,
                        ALERTS_PER_TRANSACTION,
                        after,
                    )
                if rows:
                    if not first:
                        self.pause()
                    first = False
                    after = rows[-1].id
                    rows, per_row = self._parsed(rows)
                    if not rows:
                        continue
                else:
                    self._settle(len(self._in_flight))
                    if after == 0:
                        return self.rows
                    after = 0  # one look from the start: rows that committed out of id order
                    continue
                events = [e for row_events in per_row for e in row_events]
                keys = {e.dedup_key for e in events}
                while self._in_flight and (
                    len(self._in_flight) >= self.workers() or any(keys & b.keys for b in self._in_flight)
                ):
                    self._settle(1)
                batch = _Batch(rows, per_row, keys, self.pool.submit(self._apply, rows, events))
                self._in_flight.append(batch)
        finally:
            for batch in self._in_flight:  # an error above: let them finish (each is atomic)
                batch.done.exception()

    def _parsed(self, rows: list[InboxRow]) -> tuple[list[InboxRow], list[list[AlertEvent]]]:
        """The rows that parse, with their events; one that does not is marked failed."""
        try:
            with self.ingest.db.read() as uow:
                return rows, self.events_of(uow.conn, self.integration, rows)
        except OperationalError:
            raise
        except Exception:
            pass  # find the row at fault
        good: list[InboxRow] = []
        events: list[list[AlertEvent]] = []
        for row in rows:
            try:
                with self.ingest.db.read() as uow:
                    [row_events] = self.events_of(uow.conn, self.integration, [row])
            except OperationalError:
                raise
            except Exception as exc:
                self._failed(row, exc)
                continue
            good.append(row)
            events.append(row_events)
        return good, events

    def _failed(self, row: InboxRow, exc: Exception) -> None:
        log.error(
            "alert inbox row %d of %s cannot be applied (%s); marked failed", row.id, self.integration.id, exc
        )
        with self.ingest.db.write() as uow:
            alert_inbox.mark_failed(uow.conn, row.id, f"{type(exc).__name__}: {exc}")
        self.rows += 1

    def _settle(self, count: int) -> None:
        """Wait for the `count` oldest batches in flight; apply a failed one row by row."""
        for _ in range(count):
            batch = self._in_flight.pop(0)
            try:
                group_keys = batch.done.result()
            except OperationalError:
                raise  # the database's trouble, not the rows': the next drain retries
            except Exception:
                log.exception(
                    "applying %d alert inbox rows of %s failed; applying them one by one",
                    len(batch.rows),
                    self.integration.id,
                )
                self._alone(batch.rows, batch.per_row)
                continue
            self.rows += len(batch.rows)
            self.applied(batch.rows, group_keys)

    def _apply(self, rows: list[InboxRow], events: Sequence[AlertEvent]) -> set[str]:
        """One transaction: the rows applied and deleted (retried as ingest retries)."""

        def delete(uow: UnitOfWork) -> None:
            if alert_inbox.delete(uow.conn, [row.id for row in rows]) != len(rows):
                raise RuntimeError("alert inbox rows were applied by someone else meanwhile")

        return self.ingest.apply(self.integration, events, also=delete)[1]

    def _alone(self, rows: list[InboxRow], per_row: list[list[AlertEvent]]) -> None:
        for row, events in zip(rows, per_row, strict=True):
            try:
                group_keys = self._apply([row], events)
            except OperationalError:
                raise
            except Exception as exc:
                self._failed(row, exc)
                continue
            self.rows += 1
            self.applied([row], group_keys)
