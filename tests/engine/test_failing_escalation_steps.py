"""An escalation step whose handler fails is retried with backoff, never lost: it pages once when the
fault clears, and one that keeps failing is kept as dead, shown on /metrics, the API, the CLI and its
group's timeline, until an admin retries it.

The fault is real: the database refuses every new outbox row (tests/engine/faults.py), so the
step's handler raises inside its transaction, on SQLite and PostgreSQL, on the fake clock.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.db.timers import TimerRecord
from onwatch.directory.tokens import TokenRole
from tests.engine.faults import REFUSAL, RefusingOutbox, metric
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink

ONWATCH = str(Path(sys.executable).with_name("onwatch"))


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def step_timers(bench: PagingBench) -> list[TimerRecord]:
    with bench.db.read() as uow:
        live = uow.timers.pending_timers(1000) + uow.timers.dead_timers(1000)
    return [t for t in live if t.kind == "escalate"]


def seconds(bench: PagingBench, value: float) -> None:
    bench.clock.advance(timedelta(seconds=value))
    bench.worker.run_once()


def alert_paging_amara_with_the_outbox_broken(bench: PagingBench) -> tuple[int, RefusingOutbox]:
    """An alert pages amara (EOC); then the outbox breaks, before the 15-minute step to nadia (IMOC)."""
    group_id = int(bench.fire().json()["groups"][0])
    bench.advance(2)  # amara's delayed email goes out too: from here on, only the IMOC step is due
    assert len(bench.pages_to("amara")) == 1 and len(bench.smtp.mails) == 1
    fault = RefusingOutbox(bench.db)
    fault.on()
    return group_id, fault


def test_a_step_that_fails_twice_then_succeeds_pages_the_imoc_exactly_once(bench: PagingBench) -> None:
    failures = metric(bench.api, "onwatch_timer_failures_total", kind="escalate")
    _, fault = alert_paging_amara_with_the_outbox_broken(bench)
    bench.advance(13)  # 15 minutes unacknowledged: the step to the IMOC runs, and fails
    [step] = step_timers(bench)
    assert bench.pages_to("nadia") == []
    assert step.attempts == 1 and step.dead_at is None and REFUSAL in (step.last_error or "")
    assert metric(bench.api, "onwatch_timer_failures_total", kind="escalate") == failures + 1
    seconds(bench, 0.5)  # backoff: the first retry waits about a second
    assert step_timers(bench)[0].attempts == 1
    seconds(bench, 1.0)
    [step] = step_timers(bench)
    assert step.attempts == 2 and bench.pages_to("nadia") == []
    fault.off()
    seconds(bench, 2.5)  # the second retry waits about two seconds
    assert len(bench.pages_to("nadia")) == 1
    bench.advance(1)
    assert len(bench.pages_to("nadia")) == 1  # paged once, not once per attempt
    assert [t.attempts for t in step_timers(bench)] == [0]  # the next step (grace), scheduled anew
    assert metric(bench.api, "onwatch_timers_dead") == 0


def test_a_step_that_always_fails_is_kept_dead_shown_everywhere_and_retry_runs_it(
    bench: PagingBench, database_url: str
) -> None:
    group_id, fault = alert_paging_amara_with_the_outbox_broken(bench)
    bench.advance(13)
    for _ in range(10):  # far more than the 8 attempts' backoff (1 s + 2 s + ... + 128 s, jittered)
        seconds(bench, 300)
    [step] = step_timers(bench)
    assert step.attempts == 8 and step.dead_at is not None and REFUSAL in (step.last_error or "")
    bench.advance(60)  # dead: no worker claims it again
    assert step_timers(bench)[0].attempts == 8 and bench.pages_to("nadia") == []

    assert metric(bench.api, "onwatch_timers_dead") == 1
    admin = bench.client("nadia", TokenRole.ADMIN)
    [dead] = admin.get("/api/v1/timers", params={"state": "dead"}).json()
    assert dead["id"] == step.id and dead["kind"] == "escalate" and dead["state"] == "dead"
    assert dead["attempts"] == 8 and dead["group_id"] == group_id and REFUSAL in dead["last_error"]
    assert bench.client("amara", TokenRole.RESPONDER).get("/api/v1/timers").status_code == 403
    timeline = admin.get(f"/api/v1/alert-groups/{group_id}").json()["timeline"]
    [death] = [e for e in timeline if e["kind"] == "timer_dead"]
    assert f"onwatch timers retry {step.id}" in death["message"] and "failed 8 times" in death["message"]

    env = {k: v for k, v in os.environ.items() if not k.startswith("ONWATCH_")}
    env["ONWATCH_DATABASE_URL"] = database_url
    listed = subprocess.run([ONWATCH, "timers", "dead"], env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 1, listed.stderr  # like `schedule check`: exit 1 when there is any
    [header, row] = listed.stdout.splitlines()
    assert header.split()[:5] == ["id", "kind", "due", "attempts", "for"]
    assert row.split()[:2] == [str(step.id), "escalate"] and f"alert group #{group_id}" in row
    assert "outbox refuses new rows" in row

    fault.off()
    retried = admin.post(f"/api/v1/timers/{step.id}/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["state"] == "pending" and retried.json()["attempts"] == 0
    assert admin.post(f"/api/v1/timers/{step.id}/retry").status_code == 409  # not dead any more
    bench.worker.run_once()
    assert len(bench.pages_to("nadia")) == 1
    assert metric(bench.api, "onwatch_timers_dead") == 0
    kinds = [e["kind"] for e in admin.get(f"/api/v1/alert-groups/{group_id}").json()["timeline"]]
    dead_at = kinds.index("timer_dead")
    assert kinds[dead_at : dead_at + 3] == ["timer_dead", "timer_retried", "paged"]
    gone = admin.post(f"/api/v1/timers/{step.id}/retry")
    assert gone.status_code == 404 and gone.headers["content-type"].startswith("application/problem+json")
    again = subprocess.run([ONWATCH, "timers", "dead"], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and again.stdout.strip() == "no dead timers"


def test_one_failing_step_among_steps_due_together_leaves_the_others_paged_and_is_retried(
    bench: PagingBench,
) -> None:
    groups = [
        int(bench.fire(alertname=f"Alert{i}", fingerprint=f"fp-{i}").json()["groups"][0]) for i in range(5)
    ]
    broken = groups[2]
    fault = RefusingOutbox(bench.db, keys_like=f"page:{broken}:%")
    fault.on()
    bench.advance(15)  # five steps in one pass: written together fails, so one by one; four page
    nadia = bench.pages_to("nadia")
    assert len(nadia) == 4 and not any(k.startswith(f"page:{broken}:") for k in nadia)
    [kept] = [t for t in step_timers(bench) if t.attempts]
    assert kept.attempts == 1 and kept.dead_at is None
    fault.off()
    seconds(bench, 1.5)
    nadia = bench.pages_to("nadia")
    assert len(nadia) == 5 and sum(k.startswith(f"page:{broken}:") for k in nadia) == 1
    assert all(bench.webhook.deliveries(key) == 1 for key in nadia)
