"""The evaluation chain is one durable timer: it runs once per cycle however many workers there
are, reschedules itself on the 30 s grid, and a failing cycle does not end it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.tables import timers
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from onwatch.slo.evaluate import SLO_EVALUATE, SloEvaluator
from onwatch.slo.store import SloRepository
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def pending(db: Database) -> list[str]:
    with db.read() as uow:
        rows = uow.conn.execute(sa.select(timers.c.due_at).where(timers.c.kind == SLO_EVALUATE)).scalars()
        return sorted(t.strftime("%H:%M:%S") for t in rows)


def evaluated_at(db: Database) -> str | None:
    with db.read() as uow:
        web = uow.repo(SloRepository).states(["web"]).get("web")
    return web.tracker.last_evaluated.strftime("%H:%M:%S") if web and web.tracker.last_evaluated else None


def test_applying_the_config_starts_one_chain_that_follows_the_30_second_grid(bench: PagingBench) -> None:
    assert pending(bench.db) == ["09:00:00"]
    bench.clock.advance(timedelta(seconds=7))
    bench.worker.run_once()
    assert evaluated_at(bench.db) == "09:00:07" and pending(bench.db) == ["09:00:30"]
    bench.clock.advance(timedelta(minutes=3))  # a worker that was away skips the missed cycles
    bench.worker.run_once()
    assert pending(bench.db) == ["09:03:30"]


def test_two_workers_run_a_cycle_once(bench: PagingBench, db: Database, clock: FakeClock) -> None:
    other = bench.restarted_worker()  # another process's engine
    clock.advance(timedelta(seconds=1))
    ran: list[int] = []
    start = threading.Barrier(2)

    def work(worker: object) -> None:
        start.wait()
        ran.append(worker.run_timers())  # type: ignore[attr-defined]

    threads = [threading.Thread(target=work, args=(w,)) for w in (bench.worker, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ran) == [0, 1] and pending(db) == ["09:00:30"]


def test_a_failing_cycle_does_not_end_the_chain(bench: PagingBench, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(SloEvaluator, "evaluate", broken)
    bench.clock.advance(timedelta(seconds=1))
    bench.worker.run_once()
    assert evaluated_at(bench.db) is None and pending(bench.db) == ["09:00:30"]


def test_starting_a_worker_restarts_a_missing_evaluation_chain(
    onwatch: Onwatch, db: Database, org: OnwatchConfig
) -> None:
    """A database upgraded from before SLO detection has a config but no chain: the engine starts it."""
    with db.write() as uow:
        uow.conn.execute(sa.delete(timers).where(timers.c.kind == SLO_EVALUATE))
    onwatch.worker()
    with db.read() as uow:
        assert uow.repo(SloRepository).has_timer(SLO_EVALUATE)
    onwatch.worker()  # a second worker does not start a second chain
    with db.read() as uow:
        assert len(uow.conn.execute(sa.select(timers.c.id).where(timers.c.kind == SLO_EVALUATE)).all()) == 1
