"""Phase 3: escalation timer lateness (due time -> second-step page at the sink)."""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tests.paging_helpers import AM_KEY
from tests.receivers import ReceivedRequest, WebhookSink

from bench.alerts.common import BenchError, clean_env, dist_ms, prepared_database, process
from bench.incidents import ONWATCH
from onwatch.paging.store.groups import AlertRepository


def ingest_groups(url: str, count: int, deadline: float) -> float:
    """`count` alerts with distinct alertnames through the in-process AlertIngest (100 per call):
    `count` groups, each paging the EOC and holding a pending escalation timer. Returns seconds."""
    from onwatch.bootstrap import build
    from onwatch.kernel.clock import SystemClock
    from onwatch.paging.domain.alerts import AlertAction, AlertEvent
    from onwatch.settings import Settings

    settings = Settings.model_construct(database_url=url, public_url="http://onwatch.test")
    ow = build(settings, SystemClock())
    db, ingest = ow.db, ow.ingest
    try:
        with db.read() as uow:
            integration = uow.repo(AlertRepository).integration_by_key(AM_KEY)
        if integration is None:
            raise BenchError("the demo Alertmanager integration is missing")
        started = time.monotonic()
        for start in range(0, count, 100):
            if time.monotonic() > deadline:
                raise BenchError(f"time bound hit while ingesting ({start} of {count} groups)")
            now = datetime.now(UTC)
            events = [
                AlertEvent(
                    AlertAction.TRIGGER, f"timer-{i}", f"timer alert {i}", now, labels={"alertname": f"T{i}"}
                )
                for i in range(start, min(count, start + 100))
            ]
            ingest.ingest(integration, events)
            if (start // 100) % 20 == 19:
                done = start + 100
                print(f"[timers]   {done} groups in {time.monotonic() - started:.0f} s", flush=True)
        return time.monotonic() - started
    finally:
        db.engine.dispose()


PAGE_KEY = re.compile(r"^page:(\d+):(\d+):(\d+)\.(\d+):")


def step_of(request: ReceivedRequest) -> tuple[int, int] | None:
    """(escalation id, step) of a page, from its idempotency key page:<group>:<esc>:<round>.<step>:..."""
    match = PAGE_KEY.match(request.idempotency_key or "")
    return (int(match.group(2)), int(match.group(4))) if match else None


def wait_count(
    sink: WebhookSink, predicate: Callable[[ReceivedRequest], bool], count: int, deadline: float, start: int
) -> list[ReceivedRequest]:
    """Poll (cheaply, every 0.1 s) until `count` requests after index `start` match; return those."""
    found: list[ReceivedRequest] = []
    scanned = start
    while True:
        requests = sink.requests
        found.extend(r for r in requests[scanned:] if predicate(r))
        scanned = len(requests)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def phase_timers(args: argparse.Namespace, workdir: Path, sink: WebhookSink) -> dict[str, Any]:
    count = args.timers
    deadline = time.monotonic() + args.timeout
    with prepared_database(args.pg_admin_url, sink, workdir, first_step_delay="1h") as url:
        print(f"[timers] ingesting {count} alerts with distinct alertnames (in process) ...", flush=True)
        ingest_s = ingest_groups(url, count, deadline)
        engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
        try:
            with engine.connect() as conn:
                pending = conn.exec_driver_sql(
                    "SELECT count(*) FROM timers WHERE kind = 'escalate'"
                ).scalar_one()
            if pending != count:
                raise BenchError(f"{pending} escalation timers pending after ingest, expected {count}")
            env = clean_env(url, ONWATCH_WORKER_POLL_SECONDS=str(args.worker_poll))
            seen = len(sink.requests)
            with process([*ONWATCH, "worker"], env, workdir / "timers-worker.log") as worker:
                print(f"[timers] worker started; delivering the {count} EOC pages first ...", flush=True)
                started = time.time()
                eoc = wait_count(
                    sink, lambda r: (s := step_of(r)) is not None and s[1] == 0, count, deadline, seen
                )
                if len(eoc) < count:
                    raise BenchError(f"only {len(eoc)} of {count} EOC pages delivered within the time bound")
                if worker.poll() is not None:
                    raise BenchError(f"onwatch worker exited with {worker.returncode}")
                # Spread the timers evenly over [now + lead, now + lead + window], in creation order.
                t0 = datetime.now(UTC) + timedelta(seconds=args.timer_lead)
                step = args.timer_window / max(1, count - 1)
                with engine.begin() as conn:
                    conn.execute(
                        sa.text(
                            "WITH ranked AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn "
                            "FROM timers WHERE kind = 'escalate') UPDATE timers t SET due_at = :t0 + "
                            "make_interval(secs => ranked.rn * :step) FROM ranked WHERE t.id = ranked.id"
                        ),
                        {"t0": t0, "step": step},
                    )
                    conn.exec_driver_sql(
                        "UPDATE escalations e SET next_at = t.due_at FROM timers t WHERE t.kind = 'escalate' "
                        "AND (t.payload->>'escalation_id')::int = e.id"
                    )
                    due = {
                        int(esc): at.timestamp()
                        for esc, at in conn.exec_driver_sql(
                            "SELECT (payload->>'escalation_id')::int, due_at FROM timers "
                            "WHERE kind = 'escalate'"
                        )
                    }
                print(
                    f"[timers] {count} timers due from {args.timer_lead:g} s to "
                    f"{args.timer_lead + args.timer_window:g} s from now; waiting for the IMOC pages ...",
                    flush=True,
                )
                late_deadline = min(deadline, time.monotonic() + args.timer_lead + args.timer_window + 300)
                imoc = wait_count(
                    sink, lambda r: (s := step_of(r)) is not None and s[1] == 1, count, late_deadline, seen
                )
            with engine.connect() as conn:
                decided = {
                    int(m.group(2)): created.timestamp()
                    for key, created in conn.exec_driver_sql(
                        "SELECT idempotency_key, created_at FROM outbox WHERE idempotency_key LIKE 'page:%%'"
                    )
                    if (m := PAGE_KEY.match(key)) and m.group(4) == "1"
                }
        finally:
            engine.dispose()
    drain_s = max(r.received_at for r in eoc) - started
    lateness: list[float] = []
    pickup: list[float] = []
    delivery: list[float] = []
    for request in imoc:
        esc = step_of(request)
        assert esc is not None
        lateness.append(request.received_at - due[esc[0]])
        if esc[0] in decided:
            pickup.append(decided[esc[0]] - due[esc[0]])
            delivery.append(request.received_at - decided[esc[0]])
    arrivals = sorted(r.received_at for r in imoc)
    return {
        "timers": count,
        "lead_s": args.timer_lead,
        "window_s": args.timer_window,
        "worker_poll_s": args.worker_poll,
        "setup_ingest_s": ingest_s,
        "setup_groups_per_s": count / ingest_s,
        "eoc_pages_drain_s": drain_s,
        "eoc_pages_per_s": count / drain_s,
        "imoc_pages": len(imoc),
        "missing": count - len(imoc),
        "last_page_after_window_end_s": (arrivals[-1] - max(due.values())) if arrivals else None,
        "lateness": dist_ms(lateness),
        "pickup": dist_ms(pickup),
        "delivery": dist_ms(delivery),
        "target_p99_1s_met": bool(lateness) and dist_ms(lateness)["p99_ms"] <= 1000 and len(imoc) == count,
    }


def print_timers(r: dict[str, Any]) -> None:
    print(
        f"\nsetup: {r['timers']} groups ingested in process in {r['setup_ingest_s']:.1f} s "
        f"({r['setup_groups_per_s']:.0f} groups/s); the worker delivered their {r['timers']} EOC pages in "
        f"{r['eoc_pages_drain_s']:.1f} s ({r['eoc_pages_per_s']:.0f} pages/s)"
    )
    print(
        f"{r['timers']} escalation timers due over {r['window_s']:g} s; IMOC pages received: "
        f"{r['imoc_pages']} (missing {r['missing']}); the last arrived "
        f"{r['last_page_after_window_end_s'] or 0:.1f} s after the last due time"
    )
    print(f"{'':<34}{'n':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for key, label in (
        ("lateness", "lateness (page at sink - due)"),
        ("pickup", "  batch start - due"),
        ("delivery", "  sink - batch start"),
    ):
        d = r[key]
        print(
            f"{label:<34}{d['n']:>7}{d.get('p50_ms', 0):>9.0f}{d.get('p90_ms', 0):>9.0f}"
            f"{d.get('p99_ms', 0):>9.0f}{d.get('max_ms', 0):>9.0f}"
        )
    print(
        "  (batch start = outbox.created_at: the worker's clock when it began the transaction that runs "
        "a batch of due timers, <= Worker.timer_batch)"
    )
    print(f"timer lateness p99 <= 1 s: {'met' if r['target_p99_1s_met'] else 'NOT met'}")
