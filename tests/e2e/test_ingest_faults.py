"""Ingest under faults: a database that restarts, a transaction stuck on a lock, a writer thread that
dies. Each fails only the requests it concerns (503 with Retry-After), is visible on /healthz while
this process cannot ingest, and every alert answered 2xx is applied."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from onwatch.alerts.ingest import group_commit
from onwatch.bootstrap import Onwatch
from onwatch.db import migrate
from onwatch.db.tables import alert_groups, alerts
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests import pg_cluster
from tests.databases import built
from tests.e2e.test_ingest import AM, GENERIC, am_body, generic_body
from tests.live import LiveServer
from tests.paging_helpers import PagingBench, make_bench
from tests.receivers import SmtpSink, WebhookSink

pytestmark = pytest.mark.e2e


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> PagingBench:
    return make_bench(onwatch, webhook_sink, smtp_sink)  # its app runs on the live server


@pytest.fixture
def live(bench: PagingBench) -> Iterator[str]:
    with LiveServer(bench.app) as server:
        yield server.url


@pytest.fixture
def cluster() -> Iterator[pg_cluster.PrivateCluster]:
    with pg_cluster.running() as private:
        yield private


class Senders:
    """Threads posting alerts until stopped: new alerts into open groups (the fast lane) and alerts
    opening groups (the writer); every key answered 2xx is remembered."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.answered: set[str] = set()
        self.statuses: list[int] = []
        self.retry_after: set[str | None] = set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(4)

    def __enter__(self) -> Senders:
        for n in range(4):
            self._pool.submit(self._send, n)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True)

    def _send(self, n: int) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            i = 0
            while not self._stop.is_set():
                i += 1
                keys = [f"s{n}-{i}-{a}" for a in range(3)]
                # three alerts joining the sender's open group; of even senders, every tenth
                # request opens a group of its own instead
                name = f"Open{n}-{i}" if n % 2 == 0 and i % 10 == 0 else f"Join{n}"
                answer = client.post(AM, json=am_body([(name, key) for key in keys]))
                with self._lock:
                    self.statuses.append(answer.status_code)
                    if answer.status_code == 200:
                        self.answered.update(keys)
                    else:
                        self.retry_after.add(answer.headers.get("retry-after"))
                time.sleep(0.005)

    def count(self, status: int) -> int:
        with self._lock:
            return self.statuses.count(status)


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_postgresql_restart_mid_ingest_gives_503s_then_recovers_and_every_answered_alert_is_applied(
    cluster: pg_cluster.PrivateCluster, clock: FakeClock, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> None:
    ow = built(cluster.url, clock)
    db = ow.db
    try:
        migrate.upgrade(db.engine)
        bench = make_bench(ow, webhook_sink, smtp_sink)
        with LiveServer(bench.app) as server, Senders(server.url) as senders:
            _wait(lambda: senders.count(200) > 50, 30, "alerts answered before the restart")
            cluster.stop()
            _wait(lambda: senders.count(503) > 5, 30, "503s while PostgreSQL is down")
            assert httpx.get(f"{server.url}/healthz").status_code == 503
            time.sleep(1)
            cluster.start()
            answered_before = senders.count(200)
            _wait(lambda: senders.count(200) > answered_before + 50, 60, "alerts answered after the restart")
            assert httpx.get(f"{server.url}/healthz").status_code == 200
        assert set(senders.statuses) <= {200, 503}, sorted(set(senders.statuses))
        assert senders.retry_after == {"5"}

        bench.worker.run_once()
        with db.read() as uow:
            stored = dict(uow.conn.execute(sa.select(alerts.c.dedup_key, alerts.c.group_id)).all())
            groups = set(uow.conn.execute(sa.select(alert_groups.c.id)).scalars())
        lost = senders.answered - set(stored)
        assert not lost, f"{len(lost)} answered alerts lost"
        assert {stored[key] for key in senders.answered} <= groups  # grouped
        paged = {r.paged_group for r in webhook_sink.requests if r.status == 200} - {None}
        assert paged == groups  # every group its alerts opened paged its EOC
    finally:
        db.dispose()


def _hold_the_write_lock(db: Database, tmp_path: Path) -> Any:
    """Another process's transaction holding what the writer needs: on PostgreSQL the row of alert
    `held`, on SQLite the database's write lock. Returns a function that releases it."""
    if db.dialect == "sqlite":
        conn = sqlite3.connect(db.engine.url.database or "", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        return lambda: (conn.rollback(), conn.close())
    holder = db.engine.connect()
    holder.begin()
    holder.execute(sa.text("SELECT id FROM alerts WHERE dedup_key = 'held' FOR UPDATE")).all()
    return lambda: (holder.rollback(), holder.close())


def test_a_transaction_stuck_on_a_lock_makes_healthz_say_so_until_it_commits(
    bench: PagingBench, live: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group_commit, "STUCK_SECONDS", 0.5)
    assert httpx.post(f"{live}{GENERIC}", json=generic_body("held")).status_code == 202
    release = _hold_the_write_lock(bench.db, tmp_path)
    resolve = {"alerts": [{"dedup_key": "held", "status": "resolved"}]}
    with ThreadPoolExecutor(2) as pool:
        stuck = pool.submit(httpx.post, f"{live}{GENERIC}", json=resolve, timeout=30)
        queued = pool.submit(httpx.post, f"{live}{GENERIC}", json=generic_body("behind"), timeout=30)
        try:
            _wait(lambda: httpx.get(f"{live}/healthz").status_code == 503, 10, "healthz to say 503")
            health = httpx.get(f"{live}/healthz").json()
            assert health["status"] == 503 and "waited" in health["detail"]
        finally:
            release()
        assert stuck.result().status_code == 202 and queued.result().status_code == 202
    assert httpx.get(f"{live}/healthz").status_code == 200
    assert {"held", "behind"} <= set(_stored_keys(bench.db))


def _stored_keys(db: Database) -> list[str]:
    with db.read() as uow:
        return list(uow.conn.execute(sa.select(alerts.c.dedup_key)).scalars())


class _Killed(BaseException):
    """What ends a thread whatever it catches (as SystemExit would)."""


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # it is the point
def test_an_ingest_writer_thread_that_dies_is_started_again_and_only_its_request_fails(
    bench: PagingBench, live: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = bench.app.state.ingest_pipeline.group_commit
    apply = writer._apply
    killed = threading.Event()

    def dies_once(batch: Any) -> Any:
        if not killed.is_set():
            killed.set()
            raise _Killed
        return apply(batch)

    monkeypatch.setattr(writer, "_apply", dies_once)
    failed = httpx.post(f"{live}{GENERIC}", json=generic_body("first"))
    assert failed.status_code == 503 and failed.headers["retry-after"] == "5"
    _wait(lambda: writer._thread is not None and not writer._thread.is_alive(), 5, "the thread to end")

    answers = [httpx.post(f"{live}{GENERIC}", json=generic_body(key)) for key in ("second", "third")]
    assert [a.status_code for a in answers] == [202, 202]
    assert writer.restarts == 1
    assert httpx.get(f"{live}/healthz").status_code == 200
    assert "onwatch_ingest_writer_restarts_total" in httpx.get(f"{live}/metrics").text
    assert set(_stored_keys(bench.db)) == {"second", "third"}
