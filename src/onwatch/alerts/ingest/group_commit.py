"""Group commit: requests queue their alerts; one writer thread commits everything pending in one
transaction, then answers them all.

A request is answered only after its alerts are committed, but N concurrent requests cost one
transaction instead of N (one commit, one fsync). When the grouped transaction fails because of what
it wrote (a conflict with another replica, a bug), each request is retried in a transaction of its
own, so one cannot fail the others; when the database itself is at fault (unreachable, restarting,
locked), the whole batch is answered with that error at once and the route answers 503.

Never wedged: the writer answers every request it takes, whatever is raised, and keeps going. Should
its thread end anyway, the next request or health check starts it again (logged as an error, counted
in `onwatch_ingest_writer_restarts_total`); `problem()` says when this process cannot ingest (a
transaction stuck on the database, or shutting down), for `/healthz`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from onwatch.alerts.ingest.apply import AlertIngest, IngestRun, retryable
from onwatch.alerts.ingest.rows import IngestResult
from onwatch.db.faults import unavailable
from onwatch.metrics import INGEST_WRITER_RESTARTS
from onwatch.paging.domain.alerts import AlertEvent
from onwatch.paging.store.groups import IntegrationRecord

log = logging.getLogger(__name__)

MAX_ALERTS_PER_COMMIT = 5000
LINGER = 0.002  # seconds a busy writer waits for more requests before it commits
STUCK_SECONDS = 10.0  # a transaction open this long means the database is not answering


class IngestUnavailable(Exception):
    """This process cannot take alerts now (shutting down, or its writer stopped): try again."""


Outcome = list[IngestResult] | Exception


def database_fault(exc: BaseException) -> bool:
    """The database, not the request, is at fault: unreachable, restarting, locked, timing out.
    (Raw psycopg errors are not SQLAlchemy's: both are asked.)"""
    if isinstance(exc, sa.exc.DBAPIError) and retryable(exc):
        return False  # a conflict with another writer: the request alone, again, will do
    return unavailable(exc)


@dataclass
class _Item:
    integration: IntegrationRecord
    events: Sequence[AlertEvent]
    future: asyncio.Future[list[IngestResult]]


class GroupCommit:
    def __init__(self, ingest: AlertIngest, applied: Callable[[set[str]], None] = lambda keys: None) -> None:
        """`applied` is told the keys of the groups each committed batch joined or opened."""
        self.ingest = ingest
        self.applied = applied
        self.restarts = 0  # times the writer thread was found dead and started again
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._busy_since: float | None = None  # monotonic start of the transaction in progress

    def submit(
        self, integration: IntegrationRecord, events: Sequence[AlertEvent]
    ) -> asyncio.Future[list[IngestResult]]:
        """From the event loop: a future of the running loop, done once the alerts are committed."""
        if self._closed:
            raise IngestUnavailable("onwatch is shutting down")
        self.supervise()
        item = _Item(integration, events, asyncio.get_running_loop().create_future())
        self._queue.put(item)
        return item.future

    def supervise(self) -> None:
        """Start the writer thread if it is not running (the first time, or after it died)."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        with self._lock:
            if self._closed or (self._thread is not None and self._thread.is_alive()):
                return
            if self._thread is not None:
                self.restarts += 1
                INGEST_WRITER_RESTARTS.inc()
                log.error("the ingest writer thread died; starting it again (restart %d)", self.restarts)
            self._thread = threading.Thread(target=self._run, name="onwatch-ingest", daemon=True)
            self._thread.start()

    def problem(self) -> str | None:
        """Why this process cannot ingest now, or None."""
        if self._closed:
            return "ingest is shut down"
        self.supervise()
        busy = self._busy_since
        if busy is not None and (waited := time.monotonic() - busy) > STUCK_SECONDS:
            return f"ingest has waited {waited:.0f} s for the database to commit one transaction"
        return None

    def close(self) -> None:
        """Commit what is queued, stop the writer, and answer anything left (IngestUnavailable)."""
        self._closed = True
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout=10)
        left: list[tuple[_Item, Outcome]] = []
        with contextlib.suppress(queue.Empty):
            while True:
                if (item := self._queue.get_nowait()) is not None:
                    left.append((item, IngestUnavailable("onwatch is shutting down")))
        _answer(left)

    # ---- on the writer thread ---------------------------------------------------------------

    def _run(self) -> None:
        expected = 1  # requests in the last batch: about as many come back once they are answered
        while (batch := self._take(expected)) is not None:
            expected = len(batch)
            self._commit(batch)

    def _take(self, expected: int) -> list[_Item] | None:
        """The next batch (None: stop). Under load, the requests arriving right now get a moment to
        join it (one transaction for many requests is what makes the writer keep up), but no
        longer than until as many as last time are here."""
        first = self._queue.get()
        if first is None:
            return None
        batch, alerts = [first], len(first.events)
        deadline = time.monotonic() + LINGER if expected > 1 else 0.0
        while alerts < MAX_ALERTS_PER_COMMIT:
            try:
                if len(batch) < expected and (wait := deadline - time.monotonic()) > 0:
                    more = self._queue.get(timeout=wait)
                else:
                    more = self._queue.get_nowait()
            except queue.Empty:
                break
            if more is None:
                self._queue.put(None)  # finish this batch, then stop
                break
            batch.append(more)
            alerts += len(more.events)
        return batch

    def _commit(self, batch: list[_Item]) -> None:
        """Commit and answer the batch: every request gets its results or an error, whatever happens."""
        answers: dict[int, tuple[_Item, Outcome]] = {}
        self._busy_since = time.monotonic()
        try:
            self._write(batch, answers)
        except BaseException as exc:
            if isinstance(exc, Exception):
                log.exception("ingest failed for %d request(s)", len(batch))
            error = exc if isinstance(exc, Exception) else IngestUnavailable("the ingest writer stopped")
            for item in batch:
                answers.setdefault(id(item), (item, error))
            if not isinstance(exc, Exception):
                raise  # the thread ends; `supervise` starts another
        finally:
            self._busy_since = None
            _answer(list(answers.values()))

    def _write(self, batch: list[_Item], answers: dict[int, tuple[_Item, Outcome]]) -> None:
        try:
            results, keys = self._apply(batch)
        except Exception as exc:
            if database_fault(exc):
                log.warning("ingest: the database could not take %d request(s): %s", len(batch), exc)
                answers.update((id(item), (item, exc)) for item in batch)
                return
            for item in batch:  # isolate the request that broke the batch
                answers[id(item)] = (item, self._alone(item))
            return
        answers.update((id(item), (item, result)) for item, result in zip(batch, results, strict=True))
        self.applied(keys)
        self.ingest.on_commit()

    def _apply(self, batch: list[_Item]) -> tuple[list[list[IngestResult]], set[str]]:
        """One transaction; the requests of one integration are applied as one run (one lookup of
        their alerts, one write of each kind), then the results are split back per request."""
        ingest = self.ingest
        by_integration: dict[str, list[_Item]] = {}
        for item in batch:
            by_integration.setdefault(item.integration.id, []).append(item)
        results: dict[int, list[IngestResult]] = {}
        keys: set[str] = set()
        with ingest.db.write() as uow:
            applied = ingest.cache.get(uow)
            signer = ingest.signer(uow)
            now = ingest.clock.now()
            for items in by_integration.values():
                run = IngestRun(uow, applied, signer, items[0].integration, now)
                merged = run.apply_all([e for item in items for e in item.events])
                keys |= run.group_keys
                start = 0
                for item in items:
                    results[id(item)] = merged[start : start + len(item.events)]
                    start += len(item.events)
        return [results[id(item)] for item in batch], keys

    def _alone(self, item: _Item) -> Outcome:
        """One request in its own transaction (with the ingest's retries for concurrent inserts)."""
        try:
            results, keys = self.ingest.apply(item.integration, item.events)
        except Exception as exc:
            if database_fault(exc):
                log.warning("ingest: the database could not take a request: %s", exc)
            else:
                log.exception("ingest failed for integration %s", item.integration.id)
            return exc
        self.applied(keys)
        return results


def _answer(answers: list[tuple[_Item, Outcome]]) -> None:
    """Hand the outcomes to their event loops: one call_soon_threadsafe (one wake-up) per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Item, Outcome]]] = {}
    for item, outcome in answers:
        by_loop.setdefault(item.future.get_loop(), []).append((item, outcome))
    for loop, pairs in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for these answers
            loop.call_soon_threadsafe(_settle, pairs)


def _settle(pairs: list[tuple[_Item, Outcome]]) -> None:
    for item, outcome in pairs:
        if item.future.done():  # cancelled: the client went away
            continue
        if isinstance(outcome, Exception):
            item.future.set_exception(outcome)
        else:
            item.future.set_result(outcome)
