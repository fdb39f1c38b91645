"""onwatch's own metrics, in Prometheus format (`GET /metrics`), so its SLOs can be measured too.

Process metrics (request rate, errors and latency per route; page delivery latency; timer
lateness) are observed where they happen. Database state (outbox backlog, alert events, groups,
SLO states) is read with a few cheap queries when scraped, so every replica reports the same.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onwatch.db.tables import alert_group_counts, alert_groups, outbox, slo_state, timers
from onwatch.db.tables_runbooks import runbook_mirror
from onwatch.db.uow import Database

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
DELIVERY_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)

# created unregistered: every app registers them in its own registry (tests build many apps)
HTTP_REQUESTS = Counter(
    "onwatch_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=None
)
HTTP_LATENCY = Histogram(
    "onwatch_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)
DELIVERY_LATENCY = Histogram(
    "onwatch_delivery_latency_seconds",
    "From a page or notification being queued to its successful delivery",
    ["channel"],
    buckets=DELIVERY_BUCKETS,
    registry=None,
)
DELIVERIES_FAILED = Counter(
    "onwatch_deliveries_failed",
    "Pages and notifications given up on (a permanent error, or every retry failed), per channel",
    ["channel"],
    registry=None,
)
for _channel in ("webhook", "slack", "email"):  # the series exist at 0, so alert rules see them
    DELIVERIES_FAILED.labels(_channel)
TIMER_LATENESS = Histogram(
    "onwatch_timer_lateness_seconds",
    "How long after its due time a durable timer ran",
    ["kind"],
    buckets=(*LATENCY_BUCKETS, 30, 60, 300),
    registry=None,
)
TIMER_FAILURES = Counter(
    "onwatch_timer_failures",
    "Durable timer runs whose handler raised (each is retried with backoff, then kept as dead)",
    ["kind"],
    registry=None,
)
INGEST_WRITER_RESTARTS = Counter(
    "onwatch_ingest_writer_restarts",
    "Times this process found its alert-ingest writer thread dead and started it again",
    registry=None,
)
PROCESS_METRICS: tuple[Collector, ...] = (
    HTTP_REQUESTS,
    HTTP_LATENCY,
    DELIVERY_LATENCY,
    DELIVERIES_FAILED,
    TIMER_LATENESS,
    TIMER_FAILURES,
    INGEST_WRITER_RESTARTS,
)


class DatabaseCollector(Collector):
    """Gauges and counters computed on scrape from the shared database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Any]:
        backlog = GaugeMetricFamily(
            "onwatch_outbox_backlog", "Deliveries waiting (pending)", labels=["channel"]
        )
        oldest = GaugeMetricFamily(
            "onwatch_outbox_oldest_pending_seconds", "Age of the oldest pending delivery"
        )
        events = CounterMetricFamily("onwatch_alert_events", "Alert events ingested (all integrations)")
        groups = GaugeMetricFamily("onwatch_alert_groups", "Alert groups by status", labels=["status"])
        slo = GaugeMetricFamily(
            "onwatch_slo_state", "1 for each service's current SLO state", labels=["service", "state"]
        )
        dead = GaugeMetricFamily(
            "onwatch_timers_dead",
            "Timers whose handler failed every attempt: kept, never run again until an admin retries them",
        )
        mirror_ok = GaugeMetricFamily(
            "onwatch_runbooks_mirror_ok",
            "1 when the last refresh of the runbooks mirror read its source, 0 when it failed (the last "
            "good copy is served)",
        )
        mirror_age = GaugeMetricFamily(
            "onwatch_runbooks_mirror_age_seconds", "Time since the runbooks mirror last read its source"
        )
        mirror_failures = CounterMetricFamily(
            "onwatch_runbooks_refresh_failures",
            "Refreshes of the runbooks mirror that could not read its source",
        )
        mirror_pages = GaugeMetricFamily("onwatch_runbooks_pages", "Pages in the runbooks mirror")
        with self.db.read() as uow:
            conn = uow.conn
            mirror = conn.execute(sa.select(runbook_mirror)).mappings().first()
            if mirror is not None:  # only where runbooks are mirrored
                mirror_ok.add_metric([], 0 if mirror["error"] else 1)
                refreshed = mirror["refreshed_at"]
                mirror_age.add_metric([], max(0.0, time.time() - refreshed.timestamp()) if refreshed else 0.0)
                mirror_failures.add_metric([], float(mirror["failures_total"]))
                mirror_pages.add_metric([], mirror["pages"])
            dead.add_metric(
                [],
                conn.execute(
                    sa.select(sa.func.count()).select_from(timers).where(timers.c.dead_at.is_not(None))
                ).scalar_one(),
            )
            pending = outbox.c.status == "pending"
            rows = conn.execute(
                sa.select(outbox.c.channel, sa.func.count(), sa.func.min(outbox.c.created_at))
                .where(pending)
                .group_by(outbox.c.channel)
            ).all()
            for channel, count, _ in rows:
                backlog.add_metric([channel], count)
            firsts = [r[2] for r in rows if r[2] is not None]
            oldest.add_metric([], max(0.0, time.time() - min(firsts).timestamp()) if firsts else 0.0)
            total = sum(
                conn.execute(sa.select(sa.func.coalesce(sa.func.sum(column), 0))).scalar_one()
                for column in (alert_groups.c.event_count, alert_group_counts.c.events)  # + not folded
            )
            events.add_metric([], float(total))
            for status, count in conn.execute(
                sa.select(alert_groups.c.status, sa.func.count()).group_by(alert_groups.c.status)
            ).all():
                groups.add_metric([status], count)
            for service, state in conn.execute(sa.select(slo_state.c.service_id, slo_state.c.state)).all():
                slo.add_metric([service, state], 1)
        yield from (backlog, oldest, events, groups, slo, dead)
        if mirror is not None:
            yield from (mirror_ok, mirror_age, mirror_failures, mirror_pages)


def registry_for(db: Database) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    for collector in PROCESS_METRICS:
        registry.register(collector)
    registry.register(DatabaseCollector(db))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


class RequestMetrics:
    """ASGI middleware: count and time every HTTP request by its route template (never the raw
    path, whose ids and keys would make a series per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = str(scope.get("method", ""))
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - start)
