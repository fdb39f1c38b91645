"""`onwatch worker` started while its database is down (a failover, a restart, machines booting in
any order) waits for it, retrying, instead of exiting; it runs once the database answers, and
SIGTERM still stops it meanwhile."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from onwatch.db import migrate
from onwatch.db.connect import create_engine
from tests import pg_cluster
from tests.databases import selected_backends
from tests.e2e.conftest import ONWATCH, ROOT

pytestmark = pytest.mark.e2e


def _worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONWATCH_")}
    env["ONWATCH_DATABASE_URL"] = url
    with log.open("wb") as out:
        return subprocess.Popen([ONWATCH, "worker"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def _wait_for(log: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"no {text!r} within {timeout} s:\n{log.read_text()}"
        time.sleep(0.1)


def test_a_worker_started_while_postgresql_is_down_waits_and_runs_once_it_is_up(tmp_path: Path) -> None:
    if "postgresql" not in selected_backends():
        pytest.skip("PostgreSQL tests not selected (ONWATCH_TEST_DATABASES)")
    if reason := pg_cluster.unavailable_reason():
        pytest.skip(reason)
    cluster = pg_cluster.PrivateCluster()
    cluster.start()
    engine = create_engine(cluster.url)
    migrate.upgrade(engine)
    engine.dispose()
    cluster.stop()  # a migrated database, down: nothing listens
    log = tmp_path / "worker.log"
    worker = _worker(cluster.url.replace("+psycopg", ""), log)
    try:
        _wait_for(log, "database unavailable", 30)
        time.sleep(1.5)
        assert worker.poll() is None, log.read_text()  # still there, retrying
        cluster.start()
        _wait_for(log, "onwatch worker running on postgresql", 60)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
        cluster.remove()


def test_sigterm_stops_a_worker_still_waiting_for_its_database(tmp_path: Path) -> None:
    if "postgresql" not in selected_backends():
        pytest.skip("PostgreSQL tests not selected (ONWATCH_TEST_DATABASES)")
    from tests.receivers import free_port

    log = tmp_path / "worker.log"
    worker = _worker(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", log)
    try:
        _wait_for(log, "database unavailable", 30)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
