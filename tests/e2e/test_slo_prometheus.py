"""SLO detection against a real Prometheus: synthetic history loaded with promtool, onwatch
evaluated at chosen instants of it (the fake clock walks through the history every 30 s; each
evaluation asks Prometheus `/api/v1/query` with that `time=`).

git's objectives: error ratio 0.9995 (outage line 0.0072), Apdex 0.998. The history (8 req/s):
  blip         4 minutes at 0.42 % errors      -> no page
  degradation  6 minutes at 0.42 % errors      -> degraded, the EOC paged once, then recovered
  outage       6 minutes at 5 % errors         -> outage, Service Disruption suggested, recovered
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from onwatch.bootstrap import build
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.databases import settings_for
from tests.paging_helpers import PagingBench, demo_with_receivers, everyone_on_webhook, make_bench, running
from tests.prometheus_helpers import PrometheusServer, aligned, missing_prometheus, queries, write_history
from tests.receivers import SmtpSink, WebhookSink, free_port
from tests.slo_helpers import slo, slo_groups

pytestmark = pytest.mark.e2e

START = aligned(datetime.now(UTC)) - timedelta(hours=8)
BLIP = (START + timedelta(hours=6), timedelta(minutes=4), 0.5 / 120)
DEGRADATION = (START + timedelta(hours=6, minutes=20), timedelta(minutes=6), 0.5 / 120)
OUTAGE = (START + timedelta(hours=6, minutes=50), timedelta(minutes=6), 0.05)


def error_ratio(service: str, at: datetime) -> float:
    """The share of failed requests in the 15 s ending at `at`."""
    for begin, length, ratio in (BLIP, DEGRADATION, OUTAGE):
        if service == "git" and begin < at <= begin + length:
            return ratio
    return 0.0


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    reason = missing_prometheus()
    if reason:
        pytest.skip(reason)
    workdir: Path = tmp_path_factory.mktemp("prometheus")
    history = workdir / "history.om"
    write_history(history, ["git"], START, START + timedelta(hours=7, minutes=30), error_ratio)
    with PrometheusServer(workdir, history) as server:
        yield server


def config_text(webhook: WebhookSink, url: str, **overrides: str) -> str:
    promql = {**queries("git"), **overrides}
    block = ", ".join(f"{k}: '{v}'" for k, v in promql.items())
    text = everyone_on_webhook(demo_with_receivers(webhook), webhook)
    text = text.replace(
        "slo: {apdex: 0.998, error_ratio: 0.9995, source: pushed}",
        f"slo: {{apdex: 0.998, error_ratio: 0.9995, source: prometheus, prometheus: {{{block}}}}}",
    )
    return text.replace(
        '  # prometheus: {url: "http://127.0.0.1:9090", timeout: 5s}',
        f'  prometheus: {{url: "{url}", timeout: 5s}}',
    )


@contextmanager
def bench_at(
    db: Database, webhook: WebhookSink, smtp: SmtpSink, url: str, at: datetime, **overrides: str
) -> Iterator[PagingBench]:
    """onwatch on `db` with its fake clock at `at`, the demo measured by Prometheus at `url`."""
    clock = FakeClock(at)
    bench = make_bench(build(settings_for(db.url), clock, engine=db.engine), webhook, smtp)
    apply_config(db, load_config(config_text(webhook, url, **overrides)), now=clock.now(), applied_by="tests")
    with running(bench):
        yield bench


def walk(bench: PagingBench, until: datetime) -> dict[datetime, str]:
    """Evaluate every 30 s up to `until`; the git state after each evaluation."""
    client = bench.client()
    seen = {}
    while bench.clock.now() < until:
        bench.clock.advance(timedelta(seconds=30))
        bench.worker.run_once()
        seen[bench.clock.now()] = slo(client, "git")["state"]
    return seen


def pages(bench: PagingBench) -> list[str]:
    return [
        r.idempotency_key or ""
        for r in bench.webhook.requests
        if (r.idempotency_key or "").startswith("page:")
    ]


def at(hours: int, minutes: int, seconds: int = 0) -> datetime:
    return START + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def test_prometheus_history_blip_degradation_outage_and_recoveries(
    db: Database, webhook_sink: WebhookSink, smtp_sink: SmtpSink, prometheus: PrometheusServer
) -> None:
    with bench_at(db, webhook_sink, smtp_sink, prometheus.url, at(5, 55)) as bench:
        client = bench.client()

        states = walk(bench, at(6, 15))  # healthy, then the 4-minute blip
        assert set(states.values()) == {"healthy"}, states
        assert pages(bench) == [] and slo_groups(client) == []
        report = slo(client, "git")
        assert report["windows"][0]["request_rate"] == pytest.approx(8.0, rel=0.05)
        assert report["error_budget"]["remaining"] is not None and report["error_budget"]["remaining"] > 0.9

        states = walk(bench, at(6, 40))  # six minutes above the SLO
        degraded = [t for t, s in states.items() if s == "degraded"]
        assert degraded and at(6, 25) <= min(degraded) <= at(6, 26, 30), states
        assert len(pages(bench)) == 1  # the EOC, once
        assert states[at(6, 40)] == "healthy"
        [group] = slo_groups(client)
        assert group["status"] == "resolved" and group["service"] == "git"

        states = walk(bench, at(6, 56))  # five minutes above the outage line
        assert states[at(6, 56)] == "outage", states
        report = slo(client, "git")
        assert report["suggested_status"] == "service_disruption" and report["suggested_severity"] == "S1"
        outage = [g for g in slo_groups(client) if g["severity"] == "critical"]
        assert len(outage) == 1 and "Service Disruption" in outage[0]["title"]

        states = walk(bench, at(7, 12))  # recovery
        assert states[at(7, 12)] == "healthy"
        assert {g["status"] for g in slo_groups(client)} == {"resolved"}


def test_malformed_promql_makes_the_state_unknown_and_pages_after_five_minutes(
    db: Database, webhook_sink: WebhookSink, smtp_sink: SmtpSink, prometheus: PrometheusServer
) -> None:
    broken = 'sum(rate(http_requests_total{service="git",code="500"}[$window])'  # one ")" short
    with bench_at(db, webhook_sink, smtp_sink, prometheus.url, at(6, 0), errors=broken) as bench:
        states = walk(bench, at(6, 4, 30))
        report = slo(bench.client(), "git")
        assert set(states.values()) == {"unknown"} and "bad_data" in report["reason"], report["reason"]
        assert pages(bench) == []
        walk(bench, at(6, 6))
        [group] = slo_groups(bench.client())
        assert "SLO state unknown" in group["title"] and group["severity"] == "warning"
        assert len(pages(bench)) == 1


def test_an_unreachable_prometheus_is_unknown_never_healthy(
    db: Database, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    with bench_at(db, webhook_sink, smtp_sink, nobody, datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) as bench:
        walk(bench, datetime(2026, 12, 1, 9, 1, tzinfo=UTC))
        report = slo(bench.client(), "git")
        assert report["state"] == "unknown" and "unreachable" in report["reason"]
