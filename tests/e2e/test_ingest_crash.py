"""A server killed (SIGKILL) in the middle of an Alertmanager storm: every alert it answered 200 for
was applied (grouped, its group's page queued) before the answer, so the engine started afterwards
pages every group's EOC exactly once, and nothing answered is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson
import pytest
import sqlalchemy as sa

from onwatch.db.tables import alerts
from onwatch.db.uow import Database
from tests.e2e.conftest import ONWATCH, ROOT, Cli, Servers
from tests.paging_helpers import AM_KEY
from tests.receivers import WebhookSink

pytestmark = pytest.mark.e2e

REQUESTS = 150
ALERTS = 100  # per request
NAMES = 20  # alertnames, so 20 groups


def _body(r: int) -> bytes:
    return orjson.dumps(
        {
            "version": "4",
            "status": "firing",
            "alerts": [
                {
                    "status": "firing",
                    "fingerprint": f"fp-{r}-{a}",
                    "labels": {
                        "alertname": f"Storm{(r + a) % NAMES}",
                        "service": "web",
                        "instance": f"i-{r}-{a}",
                    },
                    "annotations": {"summary": "storm"},
                }
                for a in range(ALERTS)
            ],
        }
    )


def test_a_server_killed_mid_storm_loses_no_answered_alert_and_each_group_pages_once(
    db: Database, cli: Cli, server: Servers, webhook_sink: WebhookSink, tmp_path: Path
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("`onwatch serve` shares one database with a worker started later: PostgreSQL")
    cli.demo_paging(webhook_sink, tmp_path)
    base = server("--no-engine")  # API only: no engine in the process that dies
    victim = server.processes[-1]
    url = f"{base}/api/v1/integrations/alertmanager/{AM_KEY}"
    answered: list[int] = []
    lock = threading.Lock()

    def send(r: int) -> None:
        try:
            response = httpx.post(
                url, content=_body(r), headers={"Content-Type": "application/json"}, timeout=10
            )
        except httpx.HTTPError:
            return  # the server died: no answer, no promise
        if response.status_code == 200:
            with lock:
                answered.append(r)

    with ThreadPoolExecutor(8) as pool:
        for r in range(REQUESTS):
            pool.submit(send, r)
        deadline = time.monotonic() + 60
        while len(answered) < REQUESTS // 3 and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(victim.pid, signal.SIGKILL)
    assert REQUESTS // 3 <= len(answered) < REQUESTS
    print(f"{len(answered)} of {REQUESTS} requests answered before the kill")

    env = {**cli.env, "ONWATCH_WORKER_POLL_SECONDS": "0.2"}
    with (tmp_path / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            [ONWATCH, "worker"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with db.read() as uow:
                    groups = uow.conn.execute(sa.text("SELECT count(*) FROM alert_groups")).scalar_one()
                paged = {g for r in webhook_sink.requests if (g := r.paged_group) is not None}
                if groups and len(paged) >= groups:
                    break
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=20)

    with db.read() as uow:
        stored = set(uow.conn.execute(sa.select(alerts.c.dedup_key)).scalars())
        groups = uow.conn.execute(sa.text("SELECT count(*) FROM alert_groups")).scalar_one()
    promised = {f"fp-{r}-{a}" for r in answered for a in range(ALERTS)}
    assert promised <= stored, f"{len(promised - stored)} answered alerts lost"
    assert groups == NAMES
    pages = Counter(g for r in webhook_sink.requests if (g := r.paged_group) is not None and r.status == 200)
    assert len(pages) == NAMES and set(pages.values()) == {1}, pages  # every group's EOC paged once
