"""The worker loop: claim due timers and run them; claim due outbox messages and deliver them.

Several workers (processes or threads, on one database) can run at once: timers are locked
row by row (`SKIP LOCKED`) for the transaction that runs them; outbox messages are leased, so a
worker that dies mid-delivery loses its lease and another delivers (at least once; receivers
deduplicate by the Idempotency-Key).

A timer whose handler raises rolls back its own savepoint only; it is kept with one more attempt,
its error and a due time `backoff` later (the outbox's backoff), and after `timer_attempts`
attempts it is dead: kept, never claimed again, until an admin retries it (engine/dead.py).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from onwatch.db.outbox import OutboxMessage
from onwatch.db.timeline import TimelineStore
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import Database, UnitOfWork
from onwatch.engine.dead import record_death
from onwatch.engine.listen import start_listener
from onwatch.engine.outcomes import outcome_events
from onwatch.engine.timers import TimerKinds
from onwatch.kernel.clock import Clock
from onwatch.metrics import DELIVERIES_FAILED, DELIVERY_LATENCY, TIMER_FAILURES, TIMER_LATENESS
from onwatch.notify.base import Channel, DeliveryError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
TIMER_ATTEMPTS = 8  # runs of a failing timer before it is kept as dead (ONWATCH_TIMER_MAX_ATTEMPTS)
CHORE_SECONDS = 5.0  # how often a running worker does the slices' chores (e.g. fold group counts)


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... capped at 5 minutes, with jitter so retries from many workers spread out."""
    base = min(2 ** max(0, attempts), 300)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def failure_text(exc: BaseException) -> str:
    """What a timer keeps of its handler's failure: the database's own message, not the statement
    and its parameters (which may be long, and carry what an admin list should not show)."""
    cause = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}" if first else type(cause).__name__


@dataclass
class WorkerStats:
    timers: int = 0
    timer_failures: int = 0
    timers_dead: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0


class Worker:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        kinds: TimerKinds,
        channels: Mapping[str, Channel],
        *,
        lease: timedelta = timedelta(seconds=60),
        batch: int = 100,
        timer_batch: int = 500,
        senders: int = 16,
        timer_attempts: int = TIMER_ATTEMPTS,
    ) -> None:
        self.db = db
        self.clock = clock
        self.kinds = kinds
        self.channels = channels
        self.lease = lease
        self.batch = batch  # outbox messages claimed at once
        self.timer_batch = timer_batch  # due timers run in one transaction
        self.timer_attempts = max(1, timer_attempts)
        self.stats = WorkerStats()
        self._pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="onwatch-send")
        self._wake = threading.Event()  # timers (and deliveries) may be due
        self._send_wake = threading.Event()  # deliveries may be due
        self._threads: list[threading.Thread] = []  # run_forever's, for problem()

    # ---- one pass ------------------------------------------------------------------------

    def run_timers(self) -> int:
        """Run up to `timer_batch` due timers in one transaction: escalation steps together (set-based),
        any other timer in its own savepoint, so one broken timer cannot hold back the others; a
        timer that fails is kept for a retry (or as dead), never dropped."""
        self.kinds.prepare(self.db, self.clock.now())
        with self.db.write() as uow:
            now = self.clock.now()
            due = uow.timers.due_timers(now, self.timer_batch)
            # deleted first: a handler may cancel (delete) a claimed timer and schedule its successor
            uow.timers.delete_timers([t.id for t in due])
            self.kinds.new_pass()
            for timer in due:
                TIMER_LATENESS.labels(timer.kind).observe(max(0.0, (now - timer.due_at).total_seconds()))
            failed: list[tuple[TimerRecord, str]] = []
            for timer in self.kinds.run_batches(uow, due, now):
                savepoint = uow.conn.begin_nested()
                try:
                    self.kinds.handle(uow, timer, now)
                    savepoint.commit()
                except Exception as exc:
                    savepoint.rollback()
                    log.exception(
                        "timer %s (%s) failed (attempt %d)", timer.id, timer.kind, timer.attempts + 1
                    )
                    failed.append((timer, failure_text(exc)))
            for timer, error in failed:
                self._keep_failed(uow, timer, error, now)
        self.stats.timers += len(due)
        return len(due)

    def _keep_failed(self, uow: UnitOfWork, timer: TimerRecord, error: str, now: datetime) -> None:
        """Back in the table under its id: due again after the backoff, or dead after the last attempt."""
        TIMER_FAILURES.labels(timer.kind).inc()
        self.stats.timer_failures += 1
        attempts = timer.attempts + 1
        dead = attempts >= self.timer_attempts
        retry_at = None if dead else now + backoff(timer.attempts)
        if not uow.timers.keep_failed(timer, error, now, retry_at):
            log.warning("timer %s (%s) failed; a newer timer with its key replaces it", timer.id, timer.kind)
            return
        if dead:
            self.stats.timers_dead += 1
            log.error(
                "timer %s (%s) failed %d times; kept as dead: %s", timer.id, timer.kind, attempts, error
            )
            record_death(uow, self.kinds, timer, attempts, error, now)

    def deliver(self, limit: int | None = None) -> int:
        """Claim up to `limit` (default `batch`) due messages, send them, record the outcomes."""
        with self.db.write() as uow:
            messages = uow.outbox.claim_outbox(self.clock.now(), self.lease, limit or self.batch)
        if not messages:
            return 0
        results = list(self._pool.map(self._send, messages))
        with self.db.write() as uow:
            now = self.clock.now()
            sent = [m.id for m, error in zip(messages, results, strict=True) if error is None]
            uow.outbox.mark_sent_many(sent, now)
            self.stats.sent += len(sent)
            outcomes: list[tuple[OutboxMessage, DeliveryError | None, bool]] = []
            for message, error in zip(messages, results, strict=True):
                if error is None:
                    outcomes.append((message, None, False))
                    if message.created_at is not None:
                        queued = (now - message.created_at).total_seconds()
                        DELIVERY_LATENCY.labels(message.channel).observe(max(0.0, queued))
                    continue
                retry = error.retryable and message.attempts + 1 < MAX_ATTEMPTS
                outcomes.append((message, error, retry))
                if retry:
                    uow.outbox.mark_failed(message.id, str(error), now + backoff(message.attempts))
                    self.stats.retried += 1
                else:
                    uow.outbox.mark_failed(message.id, str(error), None)
                    self.stats.failed += 1
                    DELIVERIES_FAILED.labels(message.channel).inc()
                    log.error(
                        "giving up on %s after %d attempts: %s",
                        message.idempotency_key,
                        message.attempts + 1,
                        error,
                    )
            self._record(uow, outcomes, now)
        return len(messages)

    @staticmethod
    def _record(
        uow: UnitOfWork, outcomes: list[tuple[OutboxMessage, DeliveryError | None, bool]], now: datetime
    ) -> None:
        """The outcomes on their timelines, in a savepoint: a timeline that refuses them (its group
        gone) must not undo what was recorded of the deliveries, or they would be sent again."""
        events = outcome_events(outcomes, now)
        if not events:
            return
        savepoint = uow.conn.begin_nested()
        try:
            TimelineStore(uow.conn).append_many(events)
            savepoint.commit()
        except Exception:
            savepoint.rollback()
            log.exception("recording %d delivery outcomes failed", len(events))

    def _send(self, message: OutboxMessage) -> DeliveryError | None:
        channel = self.channels.get(message.channel)
        if channel is None:
            return DeliveryError(f"no delivery channel {message.channel!r}", retryable=False)
        try:
            channel.send(message)
        except DeliveryError as exc:
            return exc
        except Exception as exc:  # a bug in a channel must not kill the worker
            log.exception("channel %s crashed", message.channel)
            return DeliveryError(f"{type(exc).__name__}: {exc}")
        return None

    def chores(self) -> int:
        """The upkeep slices registered (paging folds the counts ingest appended into their groups'
        rows, so that they stay a handful of rows per group); returns how many rows changed."""
        changed = 0
        for chore in self.kinds.chores:
            with self.db.write() as uow:
                changed += chore(uow.conn)
        return changed

    def run_once(self) -> int:
        """Everything due now, until nothing is left (tests call this after advancing the clock)."""
        self.chores()
        total = 0
        while True:
            done = self.run_timers() + self.deliver()
            total += done
            if done == 0:
                return total

    # ---- forever -------------------------------------------------------------------------

    def wake(self) -> None:
        """Something is due now (a page was just queued): stop waiting."""
        self._wake.set()
        self._send_wake.set()

    def start(self, stop: threading.Event, poll: float = 1.0) -> threading.Thread:
        """`run_forever` on a daemon thread of its own (`onwatch serve`'s engine), until `stop`."""
        thread = threading.Thread(
            target=self.run_forever, args=(stop, poll), name="onwatch-engine", daemon=True
        )
        self._threads = [thread]
        thread.start()
        return thread

    def problem(self) -> str | None:
        """Why this process's engine cannot run (for /healthz): one of its threads died; or None."""
        dead = [t.name for t in self._threads if not t.is_alive()]
        return f"engine thread(s) {', '.join(dead)} stopped" if dead else None

    def run_forever(self, stop: threading.Event, poll: float = 1.0) -> None:
        """Timers on this thread, deliveries on another: a slow receiver never delays an escalation
        step, and pages decided while others are on the wire are sent as soon as a sender is free."""
        start_listener(self.db.engine, self.wake, stop)
        # two delivery loops: one claims and records a batch while the other's is on the wire. Each
        # claims half a batch, so a worker still holds at most `batch` leased messages (what another
        # worker may send again if this one dies mid-delivery)
        senders = [
            threading.Thread(
                target=self._deliver_forever,
                args=(stop, poll, max(1, self.batch // 2)),
                name=f"onwatch-deliver-{i}",
                daemon=True,
            )
            for i in range(2)
        ]
        for sender in senders:
            sender.start()
        self._threads = [*self._threads, *senders]
        chores_at = time.monotonic()
        while not stop.is_set():
            try:
                if time.monotonic() - chores_at >= CHORE_SECONDS:
                    chores_at = time.monotonic()
                    self.chores()
                while self.run_timers():
                    self._send_wake.set()  # the pass queued pages: the sender need not wait for NOTIFY
                wait = self._until_next_due(poll, timers=True)
            except Exception:
                log.exception("worker pass failed; retrying")
                wait = poll
            self._wake.wait(wait)
            self._wake.clear()
        self._send_wake.set()
        for sender in senders:
            sender.join()
        self._pool.shutdown(wait=True)

    def _deliver_forever(self, stop: threading.Event, poll: float, limit: int) -> None:
        while not stop.is_set():
            try:
                while self.deliver(limit):
                    pass
                wait = self._until_next_due(poll, timers=False)
            except Exception:
                log.exception("delivery pass failed; retrying")
                wait = poll
            self._send_wake.wait(wait)
            self._send_wake.clear()

    def _until_next_due(self, poll: float, *, timers: bool) -> float:
        with self.db.read() as uow:
            due = uow.timers.next_timer_due() if timers else uow.outbox.next_outbox_due()
        if due is None:
            return poll
        return max(0.0, min(poll, (due - self.clock.now()).total_seconds()))
