"""What the source says about an alert reaches the responder: the runbook first after the title, then
the description, the links and images, the labels and details; in every page (webhook JSON, email
text and HTML), on the alert page and in the API. Links open the web UI, never the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import AM_KEY, GENERIC_KEY, PD_KEY, PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords

RUNBOOK = "https://runbooks.example/web/high-error-rate"
GRAPH = "http://prometheus.example:9090/graph?g0.expr=rate%28http_5xx%5B5m%5D%29"


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def fire_with_context(bench: PagingBench) -> int:
    body = {
        "version": "4",
        "status": "firing",
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [
            {
                "status": "firing",
                "fingerprint": "fp-ctx",
                "labels": {
                    "alertname": "HighErrorRate",
                    "service": "web",
                    "instance": "web-3",
                    "severity": "critical",
                },
                "annotations": {
                    "summary": "5xx above 2% on web",
                    "description": "web-3 answers 7.5% of requests with 5xx for 10 minutes",
                    "runbook_url": RUNBOOK,
                    "dashboard": "https://grafana.example/d/web",
                },
                "generatorURL": GRAPH,
                "startsAt": bench.clock.now().isoformat(),
            }
        ],
    }
    response = bench.api.post(f"/api/v1/integrations/alertmanager/{AM_KEY}", json=body)
    assert response.status_code == 200, response.text
    bench.worker.run_once()
    return int(response.json()["groups"][0])


def page_to(bench: PagingBench, who: str) -> dict[str, Any]:
    [request] = [r for r in bench.webhook.requests if f"to={who}" in r.path]
    notification: dict[str, Any] = request.json["notification"]
    return notification


def test_an_alertmanager_page_carries_the_runbook_description_graph_and_labels(bench: PagingBench) -> None:
    group_id = fire_with_context(bench)
    page = page_to(bench, "amara")
    context = page["context"]
    assert context["runbook_url"] == RUNBOOK
    assert context["description"] == "web-3 answers 7.5% of requests with 5xx for 10 minutes"
    assert context["links"][0] == {"href": GRAPH, "text": "Source (prometheus.example)"}
    assert context["labels"]["instance"] == "web-3" and context["annotations"] == {
        "dashboard": "https://grafana.example/d/web"
    }
    assert page["links"]["view"] == f"http://onwatch.test/alerts/{group_id}"


def test_the_page_email_shows_the_runbook_right_after_the_title(bench: PagingBench) -> None:
    fire_with_context(bench)
    bench.advance(2)  # amara's email goes out 2 minutes after her webhook
    [mail] = bench.smtp.mails
    text = mail.part("text/plain").splitlines()
    assert text[0].startswith("5xx above 2% on web") and text[2] == f"Runbook: {RUNBOOK}"
    assert "web-3 answers 7.5% of requests with 5xx for 10 minutes" in text
    assert f"Source (prometheus.example): {GRAPH}" in text and "  instance: web-3" in text
    html = mail.part("text/html")
    assert html.index(f'<a href="{RUNBOOK}">') < html.index("firing alert(s)")
    assert "<th align='left' style='padding-right:1em'>instance</th><td>web-3</td>" in html


def test_a_later_escalation_step_pages_with_the_same_context(bench: PagingBench) -> None:
    fire_with_context(bench)
    bench.advance(15)  # nobody acknowledged: the IMOC is paged by the engine, from the stored alert
    assert page_to(bench, "nadia")["context"]["runbook_url"] == RUNBOOK


def test_the_api_and_the_alert_page_show_the_context_with_the_runbook_first(bench: PagingBench) -> None:
    group_id = fire_with_context(bench)
    detail = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert detail["runbook_url"] == RUNBOOK
    [alert] = detail["alerts"]
    assert alert["context"]["description"].startswith("web-3 answers 7.5%")
    assert alert["context"]["links"][0]["href"] == GRAPH
    set_passwords(bench.db, bench.clock, "amara")
    browser = Browser(bench.api)  # type: ignore[arg-type]
    browser.sign_in("amara")
    html = browser.get(f"/alerts/{group_id}").text
    title_at = html.index("<h1>")
    assert title_at < html.index(f'<strong>Runbook:</strong> <a href="{RUNBOOK}"') < html.index("Facts</h2>")
    assert "web-3 answers 7.5% of requests with 5xx for 10 minutes" in html
    assert f'href="{GRAPH.replace("&", "&amp;")}"' in html and "<dt>instance</dt><dd>web-3</dd>" in html


def test_pagerduty_links_images_and_custom_details_are_kept_and_shown(bench: PagingBench) -> None:
    response = bench.api.post(
        "/v2/enqueue",
        json={
            "routing_key": PD_KEY,
            "event_action": "trigger",
            "dedup_key": "disk-1",
            "payload": {
                "summary": "Disk 95% full on db-1",
                "source": "db-1",
                "severity": "critical",
                "custom_details": {"free": "4.1 GiB", "mount": "/var/lib/postgresql", "runbook_url": RUNBOOK},
            },
            "links": [{"href": "https://grafana.example/d/disk", "text": "Disk dashboard"}],
            "images": [
                {
                    "src": "https://chart.example/disk.png",
                    "href": "https://grafana.example/d/disk",
                    "alt": "disk usage",
                }
            ],
        },
    )
    assert response.status_code == 202, response.text
    bench.worker.run_once()
    [request] = bench.webhook.requests
    context = request.json["notification"]["context"]
    assert context["runbook_url"] == RUNBOOK
    assert context["links"] == [{"href": "https://grafana.example/d/disk", "text": "Disk dashboard"}]
    assert context["images"] == [
        {
            "src": "https://chart.example/disk.png",
            "alt": "disk usage",
            "href": "https://grafana.example/d/disk",
        }
    ]
    assert context["details"] == {"free": "4.1 GiB", "mount": "/var/lib/postgresql"}
    group = bench.client().get("/api/v1/alert-groups").json()[0]
    detail = bench.client().get(f"/api/v1/alert-groups/{group['id']}").json()
    assert detail["alerts"][0]["context"]["details"]["free"] == "4.1 GiB"


def test_generic_details_and_links_are_shown_and_a_javascript_runbook_is_not_a_link(
    bench: PagingBench,
) -> None:
    response = bench.api.post(
        f"/api/v1/integrations/generic/{GENERIC_KEY}",
        json={
            "summary": "Backups late",
            "dedup_key": "backup-ctx",
            "details": {"last_backup": "2026-12-01T02:00Z", "runbook_url": "javascript:alert(1)"},
            "links": ["https://backups.example/jobs/7"],
        },
    )
    assert response.status_code == 202, response.text
    bench.worker.run_once()
    [request] = bench.webhook.requests
    context = request.json["notification"]["context"]
    assert context["runbook_url"] is None
    assert context["details"]["last_backup"] == "2026-12-01T02:00Z"
    assert context["links"] == [
        {"href": "https://backups.example/jobs/7", "text": "Source (backups.example)"}
    ]
