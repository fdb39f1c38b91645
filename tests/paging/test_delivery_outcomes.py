"""Delivery outcomes are visible: each page's delivery (delivered, retrying with the error, failed)
is on its group's timeline (and its incident's), a failing destination shows on the dashboard, and
/metrics counts failures per channel."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def timeline(bench: PagingBench, group_id: int) -> list[tuple[str, str]]:
    detail = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    return [(e["kind"], e["message"]) for e in detail["timeline"]]


def test_a_delivered_page_says_so_on_the_group_timeline(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    assert ("delivered", "page to Amara Okafor by webhook delivered") in timeline(bench, group_id)


def test_a_page_the_receiver_refuses_shows_retrying_with_the_error_then_delivered(bench: PagingBench) -> None:
    bench.webhook.fail_with(503, "maintenance")
    group_id = bench.fire().json()["groups"][0]
    [retrying] = [m for k, m in timeline(bench, group_id) if k == "delivery_retrying"]
    assert retrying.startswith("page to Amara Okafor by webhook failed, retrying: ") and "503" in retrying
    bench.advance(0.05)  # the second attempt fails too: not recorded again
    assert [k for k, _ in timeline(bench, group_id)].count("delivery_retrying") == 1
    bench.webhook.fail_with(None)
    bench.advance(0.2)
    assert ("delivered", "page to Amara Okafor by webhook delivered (attempt 3)") in timeline(bench, group_id)


def test_a_page_that_fails_for_good_shows_on_the_timeline_the_dashboard_and_metrics(
    bench: PagingBench,
) -> None:
    bench.webhook.fail_with(410)  # gone: retrying cannot help
    emails_failed = _email_failures(bench)  # the counter is the process's: earlier tests count too
    group_id = bench.fire().json()["groups"][0]
    [failed] = [m for k, m in timeline(bench, group_id) if k == "delivery_failed"]
    assert failed.startswith("page to Amara Okafor by webhook FAILED after 1 attempt: ") and "410" in failed
    incident_id = (
        bench.client()
        .post(f"/api/v1/alert-groups/{group_id}/incident", json={"severity": "S3"})
        .json()["incident_id"]
    )
    incident_events = bench.client().get(f"/api/v1/incidents/{incident_id}/timeline").json()
    assert any(e["kind"] == "delivery_failed" and "FAILED" in e["message"] for e in incident_events)
    set_passwords(bench.db, bench.clock, "amara")
    browser = Browser(bench.api)  # type: ignore[arg-type]
    browser.sign_in("amara")
    dashboard = browser.get("/").text
    assert "Deliveries failing (1 destination)" in dashboard
    assert f"webhook to {bench.webhook.url.rsplit('/', 1)[0]}" in dashboard and "410" in dashboard
    metrics = bench.api.get("/metrics").text
    assert 'onwatch_deliveries_failed_total{channel="webhook"}' in metrics
    assert _email_failures(bench) == emails_failed


def _email_failures(bench: PagingBench) -> float:
    metrics = bench.api.get("/metrics").text
    found = re.search(r'^onwatch_deliveries_failed_total\{channel="email"\} (\S+)$', metrics, re.M)
    return float(found.group(1)) if found else 0.0
