"""/healthz says whether this process can serve and names the part that cannot; /readyz tells a load
balancer not to send requests to a process that is starting, draining or unhealthy."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.databases import built

PROBLEM = "application/problem+json"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never answers (a database host that hangs)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def test_a_healthy_process_answers_ok_with_its_database(
    onwatch: Onwatch, db: Database, org: OnwatchConfig
) -> None:
    with TestClient(onwatch.api()) as client:
        answer = client.get("/healthz")
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok" and answer.json()["database"] == db.dialect
        assert client.get("/readyz").json() == {"status": "ready"}


def test_an_unreachable_database_makes_healthz_503_naming_the_database(clock: FakeClock) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once the socket closes
    ow = built(f"postgresql://postgres@127.0.0.1:{port}/onwatch", clock)
    try:
        with TestClient(ow.api()) as client:
            answer = client.get("/healthz")
            assert answer.status_code == 503
            assert answer.headers["content-type"] == PROBLEM
            assert answer.headers["retry-after"] == "5"
            assert [e["field"] for e in answer.json()["errors"]] == ["database"]
            assert answer.json()["status"] == 503 and "database:" in answer.json()["detail"]
            assert client.get("/readyz").status_code == 503
    finally:
        ow.db.dispose()


def test_a_database_that_hangs_is_reported_within_the_probe_timeout(
    clock: FakeClock, silent_server: int
) -> None:
    ow = built(f"postgresql://postgres@127.0.0.1:{silent_server}/onwatch?connect_timeout=3", clock)
    try:
        with TestClient(ow.api()) as client:
            client.app.state.health.database_timeout = 0.5  # type: ignore[attr-defined]
            started = time.monotonic()
            first = client.get("/healthz")
            second = client.get("/healthz")  # the first probe still hangs: no second one piles up
            assert time.monotonic() - started < 5
            for answer in (first, second):
                assert answer.status_code == 503
                assert answer.json()["errors"] == [
                    {"field": "database", "message": "the database did not answer within 0.5 s"}
                ]
    finally:
        ow.db.dispose()


def test_an_engine_whose_threads_stopped_makes_healthz_503_naming_the_engine(
    onwatch: Onwatch, org: OnwatchConfig
) -> None:
    worker = onwatch.worker()
    stop = threading.Event()
    worker.start(stop, poll=0.05)
    with TestClient(onwatch.api(engine=worker)) as client:
        assert client.get("/healthz").status_code == 200
        stop.set()  # what an uncaught error in the engine thread would do, as far as /healthz sees
        deadline = time.monotonic() + 10
        # every engine thread stops; the delivery loops may notice before the timer loop does
        while "onwatch-engine" not in (worker.problem() or "") and time.monotonic() < deadline:
            time.sleep(0.05)
        answer = client.get("/healthz")
        assert answer.status_code == 503
        assert [e["field"] for e in answer.json()["errors"]] == ["engine"]
        assert "onwatch-engine" in answer.json()["detail"]


def test_readyz_is_503_while_starting_and_while_draining(onwatch: Onwatch, org: OnwatchConfig) -> None:
    app = onwatch.api()
    starting = TestClient(app).get("/readyz")  # no lifespan: the app has not started
    assert starting.status_code == 503
    assert starting.json()["errors"] == [{"field": "process", "message": "this process is starting"}]
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        app.state.health.drain()  # what SIGTERM does
        draining = client.get("/readyz")
        assert draining.status_code == 503
        assert draining.json()["errors"] == [{"field": "process", "message": "this process is draining"}]
        assert client.get("/healthz").status_code == 200  # draining is not broken
