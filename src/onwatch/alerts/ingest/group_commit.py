"""Group commit for alert ingest: requests queue their alerts; one writer commits everything
pending in one transaction, then answers them all.

A request is still answered only after its alerts are committed, but N concurrent requests cost
one transaction instead of N (on SQLite one writer at a time anyway; on PostgreSQL one commit and
one fsync). If a grouped transaction fails, each request in it is retried in its own, so one bad
request cannot fail the others. A committed batch's requests are answered with one wake-up of
their event loop, not one per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from onwatch.alerts.ingest.apply import AlertIngest, IngestRun
from onwatch.alerts.ingest.fast_lane import FastLane, OpenGroups
from onwatch.alerts.ingest.rows import IngestResult
from onwatch.paging.domain.alerts import AlertEvent
from onwatch.paging.store.groups import IntegrationRecord

log = logging.getLogger(__name__)

MAX_ALERTS_PER_COMMIT = 5000
LINGER = 0.002  # seconds a busy writer waits for more requests before it commits


Outcome = list[IngestResult] | BaseException


@dataclass
class _Item:
    integration: IntegrationRecord
    events: Sequence[AlertEvent]
    future: asyncio.Future[list[IngestResult]]


class GroupCommit:
    """`writers` commit concurrently on PostgreSQL (each its own batch, connection and fast lane):
    while one waits for its commit's WAL flush, the next batch is already being written, and
    PostgreSQL flushes concurrent commits together. SQLite has one writer at a time anyway."""

    def __init__(self, ingest: AlertIngest, writers: int = 1) -> None:
        self.ingest = ingest
        self.writers = max(1, writers) if ingest.db.dialect == "postgresql" else 1
        self.open_groups = OpenGroups(ingest)  # shared by every fast lane (also the event loop's)
        self.lanes = [FastLane(ingest, self.open_groups) for _ in range(self.writers)]
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(
        self, integration: IntegrationRecord, events: Sequence[AlertEvent]
    ) -> asyncio.Future[list[IngestResult]]:
        """From the event loop: a future of the running loop, done once the alerts are committed."""
        self._ensure_writer()
        item = _Item(integration, events, asyncio.get_running_loop().create_future())
        self._queue.put(item)
        return item.future

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=10)
        for lane in self.lanes:
            lane.close()

    def _ensure_writer(self) -> None:
        if not self._threads:
            with self._lock:
                if not self._threads:
                    for i, lane in enumerate(self.lanes):
                        thread = threading.Thread(
                            target=_Writer(self, lane).run, name=f"onwatch-ingest-{i}", daemon=True
                        )
                        thread.start()
                        self._threads.append(thread)


class _Writer:
    """One writer thread: takes what is queued, commits it as one batch, answers it."""

    def __init__(self, group: GroupCommit, lane: FastLane) -> None:
        self.ingest = group.ingest
        self.lane = lane
        self._queue = group._queue

    def run(self) -> None:
        expected = 1  # requests in the last batch: about as many come back once they are answered
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, alerts = [first], len(first.events)
            # Under load, give the requests arriving right now a moment to join this commit (one
            # transaction for many requests is what makes the writer keep up), but no longer than
            # until as many as last time are here.
            deadline = time.monotonic() + LINGER if LINGER and expected > 1 else 0.0
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
            expected = len(batch)
            self._commit(batch)

    def _commit(self, batch: list[_Item]) -> None:
        answers: list[tuple[_Item, Outcome]] = []
        try:
            self._write(batch, answers)
        finally:
            _answer(answers)

    def _write(self, batch: list[_Item], answers: list[tuple[_Item, Outcome]]) -> None:
        batch = self._fast(batch, answers)
        if not batch:
            return
        try:
            results = self._apply(batch)
        except Exception:
            for item in batch:  # isolate the request that broke the group
                answers.append((item, self._alone(item)))
            return
        for item, result in zip(batch, results, strict=True):
            answers.append((item, result))
            if self.lane.enabled:
                self.lane.open_groups.learn(item.integration, item.events)
        self.ingest.on_commit()

    def _fast(self, batch: list[_Item], answers: list[tuple[_Item, Outcome]]) -> list[_Item]:
        """Commit what the fast lane can (per integration, one statement each); return the rest."""
        if not self.lane.enabled:
            return batch
        rest: list[_Item] = []
        for items in _by_integration(batch).values():
            events = [e for item in items for e in item.events]
            merged = self.lane.apply(items[0].integration, events)
            if merged is None:
                rest += items
                continue
            start = 0
            for item in items:
                answers.append((item, merged[start : start + len(item.events)]))
                start += len(item.events)
        return rest

    def _apply(self, batch: list[_Item]) -> list[list[IngestResult]]:
        """One transaction; the requests of one integration are applied as one batch (one lookup of
        their alerts, one write of each kind), then the results are split back per request."""
        ingest = self.ingest
        by_integration = _by_integration(batch)
        results: dict[int, list[IngestResult]] = {}
        with ingest.db.write() as uow:
            applied = ingest.cache.get(uow)
            signer = ingest.signer(uow)
            now = ingest.clock.now()
            for items in by_integration.values():
                events = [e for item in items for e in item.events]
                run = IngestRun(
                    uow, applied, signer, items[0].integration, now, try_fast=not self.lane.enabled
                )
                merged = run.apply_all(events)
                start = 0
                for item in items:
                    results[id(item)] = merged[start : start + len(item.events)]
                    start += len(item.events)
        return [results[id(item)] for item in batch]

    def _alone(self, item: _Item) -> Outcome:
        """One request in its own transaction (with the ingest's retries for concurrent inserts)."""
        try:
            return self.ingest.ingest(item.integration, item.events)
        except Exception as exc:
            log.exception("ingest failed for integration %s", item.integration.id)
            return exc


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
        if isinstance(outcome, BaseException):
            item.future.set_exception(outcome)
        else:
            item.future.set_result(outcome)


def _by_integration(batch: list[_Item]) -> dict[str, list[_Item]]:
    found: dict[str, list[_Item]] = {}
    for item in batch:
        found.setdefault(item.integration.id, []).append(item)
    return found
