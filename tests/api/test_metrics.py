"""GET /metrics: onwatch's own request rate, errors, latency, deliveries, timers and backlog, in the
Prometheus text format, parsed back with prometheus-client's own parser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink
from tests.slo_helpers import load_history, run


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def samples(bench: PagingBench) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = bench.api.get("/metrics")  # no token needed, like /healthz
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_requests_by_route_pages_timers_backlog_and_slo_states(bench: PagingBench) -> None:
    # process-wide counters: compare with what earlier tests in this process left
    before = samples(bench)
    client = bench.client("amara")
    load_history(bench, client, "git", hours=0.5)
    run(bench, client, "git", 6, errors=1)  # degraded: an alert, a page
    client.get("/api/v1/incidents/999999")  # a 404
    found = samples(bench)

    def grew(name: str, *labels: tuple[str, str]) -> float:
        key = (name, tuple(sorted(labels)))
        return found.get(key, 0.0) - before.get(key, 0.0)

    route = (("method", "POST"), ("route", "/api/v1/slo/samples"), ("status", "202"))
    assert grew("onwatch_http_requests_total", *route) == 13  # the history and 12 samples
    not_found = (("method", "GET"), ("route", "/api/v1/incidents/{incident_id}"), ("status", "404"))
    assert grew("onwatch_http_requests_total", *not_found) == 1
    assert (
        "onwatch_http_request_duration_seconds_bucket",
        (("le", "+Inf"), ("method", "POST"), ("route", "/api/v1/slo/samples")),
    ) in found
    assert grew("onwatch_delivery_latency_seconds_count", ("channel", "webhook")) >= 1
    assert grew("onwatch_delivery_latency_seconds_count", ("channel", "slo_alert")) == 1
    assert grew("onwatch_timer_lateness_seconds_count", ("kind", "slo_evaluate")) == 12
    assert found[("onwatch_slo_state", (("service", "git"), ("state", "degraded")))] == 1
    assert found[("onwatch_alert_groups", (("status", "triggered"),))] == 1
    assert found[("onwatch_alert_events_total", ())] >= 1
    assert found[("onwatch_outbox_oldest_pending_seconds", ())] >= 0
    assert "# TYPE onwatch_outbox_backlog gauge" in bench.api.get("/metrics").text


def test_alert_ingest_is_counted_under_its_route_template_not_its_key(bench: PagingBench) -> None:
    before = samples(bench)
    assert bench.fire(alertname="DiskFull", fingerprint="fp-metrics").status_code == 200
    bad = bench.api.post("/api/v1/integrations/alertmanager/no-such-key", json={"alerts": []})
    assert bad.status_code == 404
    found = samples(bench)

    def grew(*labels: tuple[str, str]) -> float:
        key = ("onwatch_http_requests_total", tuple(sorted(labels)))
        return found.get(key, 0.0) - before.get(key, 0.0)

    route = ("route", "/api/v1/integrations/alertmanager/{key}")
    assert grew(("method", "POST"), route, ("status", "200")) == 1
    assert grew(("method", "POST"), route, ("status", "404")) == 1
    assert not any("demo-alertmanager-key" in str(labels) for _, labels in found)
