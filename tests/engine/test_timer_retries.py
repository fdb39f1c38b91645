"""The engine's promise for any timer kind: a handler that raises loses only its own work, its timer
is retried with backoff and, after the last attempt, kept as dead (never dropped, never run twice).

Test kinds are registered on the worker onwatch.bootstrap built (its registry is the one every slice
registered its kinds in), on both databases and the fake clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count, pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onwatch.bootstrap import Onwatch
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import UnitOfWork
from onwatch.engine.worker import Worker, backoff
from onwatch.kernel.clock import FakeClock

FLAKY = "test_flaky"
KEYS = count()


class Flaky:
    """A handler that fails the first `fails[key]` runs of each timer, then schedules a `done:` marker
    timer (the work whose rollback or commit the tests observe)."""

    def __init__(self) -> None:
        self.fails: dict[str, int] = {}
        self.runs: dict[str, list[datetime]] = {}

    def __call__(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        key = str(timer.payload["key"])
        self.runs.setdefault(key, []).append(now)
        uow.timers.schedule("test_marker", now + timedelta(days=365), {}, f"done:{key}", now)
        if len(self.runs[key]) <= self.fails.get(key, 0):
            raise RuntimeError(f"{key} is broken")


@pytest.fixture
def flaky() -> Flaky:
    return Flaky()


@pytest.fixture
def worker(onwatch: Onwatch, flaky: Flaky) -> Worker:
    worker = onwatch.worker(channels={})
    worker.kinds.register(FLAKY, flaky)
    worker.kinds.register("test_marker", lambda *_: None)
    return worker


def schedule(onwatch: Onwatch, key: str, fails: int, flaky: Flaky) -> None:
    flaky.fails[key] = fails
    now = onwatch.clock.now()
    with onwatch.db.write() as uow:
        uow.timers.schedule(FLAKY, now, {"key": key}, f"flaky:{key}", now)


def marked(onwatch: Onwatch, key: str) -> bool:
    with onwatch.db.read() as uow:
        return any(t.dedup_key == f"done:{key}" for t in uow.timers.pending_timers(10_000))


def timer_of(onwatch: Onwatch, key: str) -> TimerRecord | None:
    with onwatch.db.read() as uow:
        found = uow.timers.pending_timers(10_000) + uow.timers.dead_timers(10_000)
    return next((t for t in found if t.dedup_key == f"flaky:{key}"), None)


def run_until_settled(onwatch: Onwatch, worker: Worker, key: str) -> None:
    """Jump the clock to each retry of `key`'s timer until it ran or died."""
    clock = onwatch.clock
    assert isinstance(clock, FakeClock)
    worker.run_once()
    while (timer := timer_of(onwatch, key)) is not None and timer.dead_at is None:
        clock.set(max(clock.now(), timer.due_at))
        worker.run_once()


def test_a_failing_timer_rolls_back_only_its_own_work_and_the_others_of_the_pass_run(
    onwatch: Onwatch, worker: Worker, flaky: Flaky
) -> None:
    for key, fails in (("a", 0), ("b", 1), ("c", 0)):
        schedule(onwatch, key, fails, flaky)
    worker.run_once()
    assert marked(onwatch, "a") and marked(onwatch, "c") and not marked(onwatch, "b")
    kept = timer_of(onwatch, "b")
    assert kept is not None and kept.attempts == 1 and kept.last_error == "RuntimeError: b is broken"
    assert timer_of(onwatch, "a") is None and timer_of(onwatch, "c") is None
    run_until_settled(onwatch, worker, "b")
    assert marked(onwatch, "b") and timer_of(onwatch, "b") is None and len(flaky.runs["b"]) == 2


def test_a_timer_of_a_kind_this_version_does_not_know_is_kept_not_dropped(
    onwatch: Onwatch, worker: Worker
) -> None:
    now = onwatch.clock.now()
    with onwatch.db.write() as uow:
        uow.timers.schedule("from_a_newer_version", now, {"incident_id": 7}, "newer:1", now)
    worker.run_once()
    assert onwatch.dead_timers().list() == []  # not dead yet: retrying, like any failing timer
    with onwatch.db.read() as uow:
        [timer] = [t for t in uow.timers.pending_timers() if t.dedup_key == "newer:1"]
    assert timer.attempts == 1 and "no handler for timer kind 'from_a_newer_version'" in (
        timer.last_error or ""
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fails=st.integers(min_value=0, max_value=12), attempts=st.integers(min_value=1, max_value=10))
def test_a_timer_runs_its_work_exactly_once_or_ends_dead_after_its_attempts_spaced_by_backoff(
    onwatch: Onwatch, worker: Worker, flaky: Flaky, fails: int, attempts: int
) -> None:
    worker.timer_attempts = attempts
    key = f"p{next(KEYS)}"
    schedule(onwatch, key, fails, flaky)
    run_until_settled(onwatch, worker, key)
    runs = flaky.runs[key]
    timer = timer_of(onwatch, key)
    if fails < attempts:  # succeeded on run fails + 1: its work committed once, the timer is gone
        assert len(runs) == fails + 1 and marked(onwatch, key) and timer is None
    else:  # every attempt failed: nothing of its work, the timer kept as dead and never run again
        assert len(runs) == attempts and not marked(onwatch, key)
        assert timer is not None and timer.dead_at is not None and timer.attempts == attempts
        worker.run_once()
        assert len(flaky.runs[key]) == attempts
    for n, (before, after) in enumerate(pairwise(runs)):
        wait = (after - before).total_seconds()
        assert 0.8 * min(2**n, 300) <= wait <= 1.2 * min(2**n, 300), (n, wait)


def test_backoff_doubles_from_one_second_to_five_minutes_with_jitter() -> None:
    def waits(attempts: int) -> float:
        return backoff(attempts).total_seconds()

    assert 0.8 <= waits(0) <= 1.2 and 3.2 <= waits(2) <= 4.8 and 240 <= waits(20) <= 360
