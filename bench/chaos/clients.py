"""Monitoring clients as the real ones behave: each notification (a request body carrying some
alerts) is sent until it is answered 2xx; connection errors and 5xx are retried after a pause, as
Alertmanager and the PagerDuty clients do. Every key of a 2xx answer is remembered: what onwatch
promised to keep."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import orjson

AM_KEY = "demo-alertmanager-key-0001"
PD_KEY = "demo-pagerduty-routing-key-01"
AM_PATH = f"/api/v1/integrations/alertmanager/{AM_KEY}"
PD_PATH = "/v2/enqueue"


@dataclass(frozen=True)
class Notification:
    path: str
    body: bytes
    keys: tuple[str, ...]  # the dedup keys it carries


def alertmanager(alerts: list[tuple[str, str]], status: str = "firing") -> Notification:
    """An Alertmanager webhook body; `alerts` are (alertname, fingerprint), the fingerprint its key."""
    body = {
        "version": "4",
        "status": status,
        "alerts": [
            {
                "status": status,
                "fingerprint": key,
                "labels": {"alertname": name, "service": "web", "instance": key},
                "annotations": {"summary": f"{name} on {key}"},
            }
            for name, key in alerts
        ],
    }
    return Notification(AM_PATH, orjson.dumps(body), tuple(key for _, key in alerts))


def events_v2(name: str, key: str, action: str = "trigger") -> Notification:
    """A PagerDuty Events API v2 event; alerts of one `name` (its class) share a group."""
    body: dict[str, object] = {"routing_key": PD_KEY, "event_action": action, "dedup_key": key}
    if action == "trigger":
        body["payload"] = {"summary": f"{name} on {key}", "source": key, "severity": "error", "class": name}
    return Notification(PD_PATH, orjson.dumps(body), (key,))


class Clients:
    """`threads` senders taking notifications `make(0)`, `make(1)`, ... (at most `per_second` of
    them started per second when given) until stop(); a notification being sent when stop() is
    called is still sent until answered, for up to `drain` seconds."""

    def __init__(
        self,
        base: str,
        make: Callable[[int], Notification],
        threads: int,
        per_second: float | None = None,
        pause: float = 0.25,
    ) -> None:
        self.base = base
        self.make = make
        self.per_second = per_second
        self.pause = pause
        self.answered: set[str] = set()  # keys of 2xx answers
        self.notifications = 0  # answered 2xx
        self.statuses: Counter[int] = Counter()  # every answer, retries included
        self.transport_errors = 0  # refused, reset, timed out: no answer
        self.abandoned = 0  # still unanswered when the drain ran out (nothing was promised)
        self.latencies: list[float] = []  # seconds from first attempt to the 2xx
        self.answered_at: list[float] = []  # time.monotonic() of each 2xx
        self._next = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._drain_until = float("inf")
        self._started = 0.0
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self) -> Clients:
        self._started = time.monotonic()
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, drain: float = 60.0) -> None:
        self._drain_until = time.monotonic() + drain
        self._stop.set()
        for t in self._threads:
            t.join(timeout=drain + 15)

    def count(self, status: int) -> int:
        with self._lock:
            return self.statuses[status]

    def _take(self) -> int | None:
        with self._lock:
            if self._stop.is_set():
                return None
            n, self._next = self._next, self._next + 1
        if self.per_second:
            delay = self._started + n / self.per_second - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return None
        return n

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while (n := self._take()) is not None:
                self._send(client, self.make(n))

    def _send(self, client: httpx.Client, notification: Notification) -> None:
        first = time.monotonic()
        while time.monotonic() < self._drain_until:
            try:
                answer = client.post(
                    notification.path,
                    content=notification.body,
                    headers={"Content-Type": "application/json"},
                )
            except httpx.TransportError:
                with self._lock:
                    self.transport_errors += 1
                time.sleep(self.pause)
                continue
            with self._lock:
                self.statuses[answer.status_code] += 1
            if 200 <= answer.status_code < 300:
                with self._lock:
                    self.answered.update(notification.keys)
                    self.notifications += 1
                    self.latencies.append(time.monotonic() - first)
                    self.answered_at.append(time.monotonic())
                return
            if answer.status_code < 500:
                raise AssertionError(f"{notification.path} answered {answer.status_code}: {answer.text}")
            time.sleep(self.pause)
        with self._lock:
            self.abandoned += 1

    def longest_silence(self) -> float:
        """The longest stretch, in seconds, without any 2xx answer (the outage clients saw)."""
        with self._lock:
            times = sorted(self.answered_at)
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]
