"""SLO detection from pushed samples, end to end in process: samples in over the API -> the engine
evaluates every 30 s -> a sustained condition changes the state -> an alert enters the normal
pipeline -> the EOC is paged; recovery resolves it. Fake clock, real databases, real receivers.

git's objectives: error ratio 0.9995 (budget 0.0005, outage line 14.4 x 0.0005 = 0.0072), Apdex
0.998. 240 requests per 30 s: 1 error is 0.42 % (above the SLO, below the outage line), 12 are 5 %.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from onwatch.bootstrap import Onwatch
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink
from tests.slo_helpers import load_history, run, slo, slo_groups


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


@pytest.fixture
def client(bench: PagingBench) -> httpx.Client:
    api = bench.client("amara")
    load_history(bench, api, "git")
    return api


def test_healthy_traffic_is_healthy_and_pages_nobody(bench: PagingBench, client: httpx.Client) -> None:
    run(bench, client, "git", 10)
    report = slo(client, "git")
    assert report["state"] == "healthy" and report["suggested_status"] == "operational"
    assert report["error_budget"]["remaining"] == 1.0
    five_minutes = report["windows"][0]
    assert five_minutes["window"] == "5m" and five_minutes["error_ratio"] == 0.0
    assert five_minutes["error_ratio_threshold"] == 0.0072 and five_minutes["request_rate"] == 8.0
    assert slo_groups(client) == [] and bench.pages_to("amara") == []


def test_a_four_minute_blip_pages_nobody(bench: PagingBench, client: httpx.Client) -> None:
    run(bench, client, "git", 2)
    run(bench, client, "git", 4, errors=1)
    run(bench, client, "git", 10)
    assert slo(client, "git")["state"] == "healthy"
    assert slo_groups(client) == [] and bench.pages_to("amara") == []


def test_six_minutes_above_the_slo_degrade_the_service_and_page_the_eoc_once(
    bench: PagingBench, client: httpx.Client
) -> None:
    run(bench, client, "git", 2)
    run(bench, client, "git", 4.5, errors=1)
    assert slo(client, "git")["state"] == "healthy"  # 4 minutes of "every evaluation" so far
    run(bench, client, "git", 1, errors=1)
    report = slo(client, "git")
    assert report["state"] == "degraded"
    assert report["suggested_status"] == "partial_service_disruption" and report["suggested_severity"] == "S2"
    [group] = slo_groups(client)
    assert group["service"] == "git" and group["status"] == "triggered"
    assert len(bench.pages_to("amara")) == 1
    run(bench, client, "git", 0.5, errors=1)  # still degraded: no second page
    detail = client.get(f"/api/v1/alert-groups/{group['id']}").json()
    [alert] = detail["alerts"]
    assert alert["labels"]["alertname"] == "SLODegraded" and alert["labels"]["slo_state"] == "degraded"
    assert alert["labels"]["suggested_status"] == "partial_service_disruption"
    assert "error ratio 0.004167" in alert["summary"] and "Partial Service Disruption" in alert["summary"]
    assert len(bench.pages_to("amara")) == 1
    # an incident on the service shows its SLO state
    body = {"title": "git errors", "severity": "S2", "services": ["git", "pages"]}
    incident = client.post("/api/v1/incidents", json=body).json()
    shown = client.get(f"/api/v1/incidents/{incident['id']}").json()
    assert shown["service_slo"] == {"git": "degraded", "pages": "unknown"}


def test_slow_requests_alone_suggest_degraded_performance(bench: PagingBench, client: httpx.Client) -> None:
    run(bench, client, "git", 6, slow=2)  # Apdex 0.9958 < 0.998, no errors
    report = slo(client, "git")
    assert report["state"] == "degraded" and report["suggested_status"] == "degraded_performance"
    assert report["suggested_severity"] == "S3"


def test_errors_above_the_outage_line_for_five_minutes_suggest_service_disruption(
    bench: PagingBench, client: httpx.Client
) -> None:
    run(bench, client, "git", 6, errors=12)
    report = slo(client, "git")
    assert report["state"] == "outage"
    assert report["suggested_status"] == "service_disruption" and report["suggested_severity"] == "S1"
    names = sorted(g["title"].split(" ")[0] for g in slo_groups(client))
    assert len(names) == 2  # "degraded" and "outage", each its own group, each paged
    outage = [g for g in slo_groups(client) if g["severity"] == "critical"]
    assert len(outage) == 1 and "Service Disruption" in outage[0]["title"]
    assert len(bench.pages_to("amara")) == 2


def test_recovery_resolves_the_alerts(bench: PagingBench, client: httpx.Client) -> None:
    run(bench, client, "git", 6, errors=12)
    assert slo(client, "git")["state"] == "outage"
    run(bench, client, "git", 4)
    assert slo(client, "git")["state"] == "outage"  # not before 5 minutes at a lower level
    run(bench, client, "git", 8)
    report = slo(client, "git")
    assert report["state"] == "healthy" and report["alerts"] == []
    groups = slo_groups(client)
    assert len(groups) == 2 and {g["status"] for g in groups} == {"resolved"}
    assert report["error_budget"]["remaining"] < 1.0


def test_a_condition_keeps_counting_across_a_restart_of_the_engine(
    bench: PagingBench, client: httpx.Client, db: Database, clock: FakeClock
) -> None:
    run(bench, client, "git", 3, errors=1)
    # a new process: new worker, new caches; the sustained-condition start is in the database
    bench.worker = bench.restarted_worker()
    run(bench, client, "git", 3, errors=1)
    assert slo(client, "git")["state"] == "degraded"


def test_services_without_samples_are_unknown_not_healthy_and_page_nobody(
    bench: PagingBench, client: httpx.Client
) -> None:
    run(bench, client, "git", 10)
    web = slo(client, "web")
    assert web["state"] == "unknown" and "no samples" in web["reason"]
    services = {s["id"]: s["slo_state"] for s in client.get("/api/v1/services").json()}
    assert services == {
        "api": "unknown",
        "git": "healthy",
        "pages": "unknown",
        "registry": "unknown",
        "web": "unknown",
    }
    assert bench.pages_to("amara") == []


def test_the_dashboard_shows_each_services_slo_state(bench: PagingBench, client: httpx.Client) -> None:
    from tests.web_helpers import Browser, set_passwords

    run(bench, client, "git", 6, errors=1)
    set_passwords(bench.db, bench.clock, "amara")
    browser = Browser(bench.api)
    browser.sign_in("amara")
    html = browser.get("/").text
    services = html[html.index('id="services-h"') :]
    git = services[services.index("(git)") :].split("</tr>")[0]
    assert 'class="badge slo-degraded">degraded<' in git and "since 09:05 UTC" in git
    web = services[services.index("(web)") :].split("</tr>")[0]
    assert 'class="badge slo-unknown">unknown<' in web and "no samples pushed" in web
