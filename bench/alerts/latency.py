"""Phase 2: alert -> first page latency, at idle and under open-loop background load."""

from __future__ import annotations

import argparse
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from tests.receivers import ReceivedRequest, WebhookSink

from bench.alerts.common import AM_PATH, BenchError, clean_env, dist_ms, prepared_database
from bench.alerts.servers import onwatch_server

SERVICES = ("web", "api", "git", "pages", "registry")


def am_body(alerts: list[tuple[str, str, str]]) -> bytes:
    """An Alertmanager webhook body; each alert (alertname, service, fingerprint)."""
    return orjson.dumps(
        {
            "version": "4",
            "status": "firing",
            "receiver": "bench",
            "groupLabels": {},
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": name, "service": service, "severity": "critical", "instance": fp},
                    "annotations": {"summary": f"{name} on {service}"},
                    "fingerprint": fp,
                }
                for name, service, fp in alerts
            ],
        }
    )


@dataclass
class Load:
    """Open-loop background load: every `batch / rate` seconds a ticker hands a request of `batch` new
    alerts (10 alertnames, so into existing groups) to a pool of `concurrency` senders. A tick that finds
    all senders busy is skipped and counted: the server is not keeping up."""

    base: str
    rate: float
    batch: int
    tag: str
    names: int = 10
    concurrency: int = 8
    sent_alerts: int = 0
    requests: int = 0
    skipped_ticks: int = 0
    errors: list[str] = field(default_factory=list)
    post_s: list[float] = field(default_factory=list)
    started: float = 0.0
    stopped: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Load:
        self._thread = threading.Thread(target=self._run, name="bench-load", daemon=True)
        self.started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        self.stopped = time.monotonic()

    def _run(self) -> None:
        period = self.batch / self.rate
        free = threading.BoundedSemaphore(self.concurrency)
        n = 0
        with (
            httpx.Client(base_url=self.base, timeout=30) as client,
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="bench-load") as pool,
        ):
            tick = time.monotonic()
            while not self._stop.is_set():
                if free.acquire(blocking=False):
                    alerts = [
                        (f"Load{(n + j) % self.names}{self.tag}", "web", f"load-{self.tag}-{n + j}")
                        for j in range(self.batch)
                    ]
                    n += self.batch
                    pool.submit(self._post, client, am_body(alerts), free)
                else:
                    self.skipped_ticks += 1
                tick += period
                self._stop.wait(max(0.0, tick - time.monotonic()))

    def _post(self, client: httpx.Client, body: bytes, free: threading.BoundedSemaphore) -> None:
        start = time.monotonic()
        error = None
        try:
            response = client.post(AM_PATH, content=body, headers={"Content-Type": "application/json"})
            if not response.is_success:
                error = f"{response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = repr(exc)[:200]
        finally:
            free.release()
        with self._lock:
            self.post_s.append(time.monotonic() - start)
            self.requests += 1
            if error is None:
                self.sent_alerts += self.batch
            else:
                self.errors.append(error)

    def summary(self) -> dict[str, Any]:
        seconds = (self.stopped or time.monotonic()) - self.started
        return {
            "target_alerts_per_s": self.rate,
            "batch": self.batch,
            "concurrency": self.concurrency,
            "requests": self.requests,
            "alerts_accepted": self.sent_alerts,
            "seconds": seconds,
            "achieved_alerts_per_s": self.sent_alerts / seconds if seconds else 0,
            "skipped_ticks": self.skipped_ticks,
            "errors": len(self.errors),
            "error_samples": self.errors[:5],
            "post_latency": dist_ms(self.post_s),
        }


def latency_samples(
    client: httpx.Client, sink: WebhookSink, count: int, tag: str, timeout: float, deadline: float
) -> tuple[list[float], list[float], list[str]]:
    """`count` alerts, one at a time, each opening a new group; seconds to its first page, and POST time."""
    pages: list[float] = []
    posts: list[float] = []
    errors: list[str] = []
    for i in range(count):
        if time.monotonic() > deadline:
            errors.append(f"phase time bound hit after {i} of {count} samples")
            break
        name, service = f"Latency{tag}x{i}", SERVICES[i % len(SERVICES)]
        body = am_body([(name, service, f"lat-{tag}-{i}")])
        seen = len(sink.requests)
        start = time.time()
        try:
            response = client.post(AM_PATH, content=body, headers={"Content-Type": "application/json"})
        except httpx.HTTPError as exc:
            errors.append(f"sample {i}: {exc!r}"[:200])
            continue
        posts.append(time.time() - start)
        # 200 names the group the alert opened (applied before the answer)
        groups = response.json().get("groups") if response.status_code == 200 else None
        if not groups:
            errors.append(f"sample {i}: {response.status_code} {response.text[:200]}")
            continue
        group = groups[0]

        def ours(r: ReceivedRequest) -> bool:
            return r.paged_group == group  # noqa: B023

        try:
            found = sink.wait_for(lambda requests: any(ours(r) for r in requests[seen:]), timeout)  # noqa: B023
        except AssertionError:
            errors.append(f"sample {i}: no page for group {group} within {timeout} s")
            continue
        page = next(r for r in found[seen:] if ours(r))
        pages.append(page.received_at - start)
    return pages, posts, errors


def phase_latency(
    args: argparse.Namespace, workdir: Path, sink: WebhookSink, layouts: list[str]
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for layout in layouts:
        with prepared_database(args.pg_admin_url, sink, workdir) as url:
            env = clean_env(url)
            with (
                onwatch_server(env, workdir, f"latency-{layout}", layout=layout, engine_flag=False) as base,
                httpx.Client(base_url=base, timeout=30) as client,
            ):
                tag = secrets.token_hex(3)
                deadline = time.monotonic() + args.timeout
                print(f"[latency] {layout}: warm-up ...", flush=True)
                _, _, warm_errors = latency_samples(client, sink, 5, f"{tag}w", 10, deadline)
                if warm_errors:
                    raise BenchError(f"latency warm-up on {layout} failed: {warm_errors}")
                print(f"[latency] {layout}: {args.latency_samples} samples at idle ...", flush=True)
                idle, idle_posts, idle_errors = latency_samples(
                    client, sink, args.latency_samples, f"{tag}i", 10, deadline
                )
                rows.append(
                    {
                        "layout": layout,
                        "load": "idle",
                        "page": dist_ms(idle),
                        "post": dist_ms(idle_posts),
                        "errors": idle_errors,
                    }
                )
                print(
                    f"[latency] {layout}: {args.latency_samples} samples under "
                    f"~{args.load_rate:.0f} alerts/s ...",
                    flush=True,
                )
                with Load(base, args.load_rate, args.load_batch, tag, args.alertnames) as load:
                    time.sleep(2)  # the load's first batch opens its groups; let their pages go out
                    busy, busy_posts, busy_errors = latency_samples(
                        client, sink, args.latency_samples, f"{tag}b", 10, deadline
                    )
                rows.append(
                    {
                        "layout": layout,
                        "load": "loaded",
                        "page": dist_ms(busy),
                        "post": dist_ms(busy_posts),
                        "errors": busy_errors,
                        "background": load.summary(),
                    }
                )
    idle_rows = [r for r in rows if r["load"] == "idle"]
    target = {
        r["layout"]: {"p99_ms": r["page"].get("p99_ms"), "met": r["page"].get("p99_ms", 1e9) <= 50}
        for r in idle_rows
    }
    return {"rows": rows, "idle_p99_target_50ms": target}


def print_latency(result: dict[str, Any]) -> None:
    print(
        f"\n{'layout':<14}{'load':<8}{'samples':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'POST p50':>10}{'errors':>7}"
    )
    for r in result["rows"]:
        p = r["page"]
        print(
            f"{r['layout']:<14}{r['load']:<8}{p['n']:>8}{p.get('p50_ms', 0):>9.1f}{p.get('p90_ms', 0):>9.1f}"
            f"{p.get('p99_ms', 0):>9.1f}{p.get('max_ms', 0):>9.1f}{r['post'].get('p50_ms', 0):>10.1f}"
            f"{len(r['errors']):>7}"
        )
        if "background" in r:
            b = r["background"]
            print(
                f"{'':<22}background: {b['achieved_alerts_per_s']:.0f} alerts/s achieved "
                f"({b['requests']} x {b['batch']} alerts, "
                f"POST p50 {b['post_latency'].get('p50_ms', 0):.0f} ms, "
                f"p99 {b['post_latency'].get('p99_ms', 0):.0f} ms, {b['errors']} errors; "
                f"{b['skipped_ticks']} ticks skipped: {b['concurrency']} requests already in flight)"
            )
    for layout, t in result["idle_p99_target_50ms"].items():
        print(f"idle p99 <= 50 ms on {layout}: {'met' if t['met'] else 'NOT met'} ({t['p99_ms']:.1f} ms)")
