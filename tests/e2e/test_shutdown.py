"""SIGTERM stops `onwatch serve` the way a deploy needs: the request in flight is finished (and its
alert applied), new connections are refused at once, and the process is gone within 10 seconds; and
`onwatch worker` finishes the deliveries it has on the wire, records them, and exits within 10 s."""

from __future__ import annotations

import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from onwatch.db.tables import alerts, outbox
from onwatch.db.uow import Database
from tests.e2e.conftest import ONWATCH, ROOT, Cli, Servers
from tests.e2e.test_ingest import GENERIC, generic_body
from tests.e2e.test_ingest_faults import _hold_the_write_lock
from tests.receivers import WebhookSink

pytestmark = pytest.mark.e2e


def serving_with_one_alert(
    cli: Cli, server: Servers, webhook_sink: WebhookSink, tmp_path: Path
) -> tuple[str, subprocess.Popen[str]]:
    """`onwatch serve` on the demo with one firing alert ("held"): its URL and its process."""
    cli.demo_paging(webhook_sink, tmp_path)
    base = server()
    assert httpx.post(f"{base}{GENERIC}", json=generic_body("held")).status_code == 202
    return base, server.processes[-1]


def test_sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_within_10_s(
    db: Database, cli: Cli, server: Servers, webhook_sink: WebhookSink, tmp_path: Path
) -> None:
    base, proc = serving_with_one_alert(cli, server, webhook_sink, tmp_path)
    release = _hold_the_write_lock(db, tmp_path)  # the next write waits: a slow request
    resolve = {"alerts": [{"dedup_key": "held", "status": "resolved"}]}
    with ThreadPoolExecutor(1) as pool:
        try:
            in_flight = pool.submit(httpx.post, f"{base}{GENERIC}", json=resolve, timeout=30)
            time.sleep(1.0)  # the request reached the server and waits on the lock
            assert not in_flight.done()
            signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            with pytest.raises(httpx.ConnectError):  # the listening socket is closed
                httpx.post(f"{base}{GENERIC}", json=generic_body("late"), timeout=2)
        finally:
            release()
        answer = in_flight.result()
    assert answer.status_code == 202, answer.text
    proc.wait(timeout=15)
    assert time.monotonic() - signalled < 10
    assert proc.returncode in (0, -signal.SIGTERM)
    with db.read() as uow:
        status = uow.conn.execute(sa.select(alerts.c.status).where(alerts.c.dedup_key == "held")).scalar_one()
        late = uow.conn.execute(sa.select(alerts.c.id).where(alerts.c.dedup_key == "late")).first()
    assert str(status).endswith("resolved") and late is None


def test_a_request_stuck_past_the_grace_period_does_not_hold_the_process_and_gets_no_2xx(
    db: Database, cli: Cli, server: Servers, webhook_sink: WebhookSink, tmp_path: Path
) -> None:
    base, proc = serving_with_one_alert(cli, server, webhook_sink, tmp_path)
    release = _hold_the_write_lock(db, tmp_path)  # held until the process is gone
    resolve = {"alerts": [{"dedup_key": "held", "status": "resolved"}]}
    try:
        with ThreadPoolExecutor(1) as pool:
            stuck = pool.submit(httpx.post, f"{base}{GENERIC}", json=resolve, timeout=30)
            time.sleep(1.0)
            signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
            assert time.monotonic() - signalled < 10
            try:
                answered = stuck.result().status_code
            except httpx.HTTPError:
                answered = None  # the connection closed: no answer, no promise
    finally:
        release()
    assert answered is None or answered >= 500
    with db.read() as uow:
        status = uow.conn.execute(sa.select(alerts.c.status).where(alerts.c.dedup_key == "held")).scalar_one()
    assert not str(status).endswith("resolved")  # nothing answered, nothing applied


def test_sigterm_stops_onwatch_worker_within_10_s_after_the_deliveries_in_flight(
    db: Database, cli: Cli, webhook_sink: WebhookSink, tmp_path: Path
) -> None:
    cli.demo_paging(webhook_sink, tmp_path)
    cli(
        "declare", "Checkout failing", "--severity", "2", "--service", "web", "--as", "amara"
    )  # pages the IMOC
    webhook_sink.delay(3.0)  # the receiver is slow: the page is on the wire when SIGTERM comes
    proc = subprocess.Popen(
        [ONWATCH, "worker"],
        env=cli.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with db.read() as uow:
                claimed = uow.conn.execute(
                    sa.select(sa.func.count()).select_from(outbox).where(outbox.c.claimed_until.is_not(None))
                ).scalar_one()
            if claimed:
                break
            time.sleep(0.05)
        assert claimed, "the worker never took the page"
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert time.monotonic() - signalled < 10
    assert proc.returncode == 0, proc.stdout.read() if proc.stdout else ""
    with db.read() as uow:
        sent = uow.conn.execute(sa.select(sa.func.count()).where(outbox.c.status == "sent")).scalar_one()
        abandoned = uow.conn.execute(  # claimed and never recorded: only a killed worker leaves these
            sa.select(sa.func.count()).where(
                outbox.c.status == "pending", outbox.c.claimed_until.is_not(None)
            )
        ).scalar_one()
    assert sent >= 1 and abandoned == 0 and len(webhook_sink.requests) >= sent
