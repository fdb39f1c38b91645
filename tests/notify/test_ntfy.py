"""ntfy: pages published as ntfy's JSON, priority by urgency, and the Acknowledge action acting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.notify.ntfy import NtfyChannel
from tests.notify.bench import low_urgency_warnings, notify_bench, path_of
from tests.notify.services import FakeService
from tests.paging_helpers import PagingBench
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def ntfy() -> Iterator[FakeService]:
    with FakeService() as service:
        service.route("POST", "/", (200, {"id": "x1", "event": "message", "topic": "amara-pages"}))
        yield service


@pytest.fixture
def bench(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, ntfy: FakeService
) -> Iterator[PagingBench]:
    methods = {"amara": f"[{{type: ntfy, server: '{ntfy.url}', topic: amara-pages, token: tk_secret}}]"}
    with notify_bench(onwatch, webhook_sink, smtp_sink, methods, {"ntfy": NtfyChannel()}) as bench:
        yield bench


def test_a_high_urgency_page_goes_to_ntfy_at_max_priority_with_an_acknowledge_action(
    bench: PagingBench, ntfy: FakeService
) -> None:
    group_id = bench.fire().json()["groups"][0]
    [publish] = ntfy.calls
    assert (publish.method, publish.path) == ("POST", "/")
    assert publish.headers["authorization"] == "Bearer tk_secret"
    body = publish.json
    assert body["topic"] == "amara-pages" and body["priority"] == 5
    assert body["title"] == "[critical] web: HighErrorRate on web [alertname=HighErrorRate]"
    assert "firing alert(s) on" in body["message"] and "Severity: critical" in body["message"]
    ack, view = body["actions"]
    assert ack["action"] == "http" and ack["label"] == "Acknowledge" and ack["method"] == "POST"
    assert ack["url"].startswith("http://onwatch.test/a/") and ack["clear"] is True
    assert view == {
        "action": "view",
        "label": "Open",
        "url": f"http://onwatch.test/alerts/{group_id}",
    }
    assert body["click"] == view["url"]


def test_acknowledging_from_the_ntfy_action_stops_the_escalation(
    bench: PagingBench, ntfy: FakeService
) -> None:
    group_id = bench.fire().json()["groups"][0]
    ack = ntfy.calls[0].json["actions"][0]
    # what the ntfy app does when the button is pressed: the http action, as configured
    answer = bench.api.request(ack["method"], path_of(ack["url"]))
    assert answer.status_code == 200 and "acknowledged" in answer.text
    bench.advance(60)
    assert bench.pages_to("nadia") == [] and len(ntfy.calls) == 1
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert group["status"] == "acknowledged" and group["acknowledged_by"] == "amara"
    # pressed twice (the phone retried): nothing changes, nothing breaks
    again = bench.api.request(ack["method"], path_of(ack["url"]))
    assert again.status_code == 200
    assert (
        bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["acknowledged_at"]
        == group["acknowledged_at"]
    )


def test_low_urgency_waits_for_working_hours_in_the_persons_zone(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, ntfy: FakeService
) -> None:
    # aiko works 09:00-17:00 in Tokyo; it is Tuesday 09:00 UTC = 18:00 in Tokyo, 09:00 in London
    methods = {"aiko": f"[{{type: ntfy, server: '{ntfy.url}', topic: aiko-pages}}]"}
    with notify_bench(
        onwatch, webhook_sink, smtp_sink, methods, {"ntfy": NtfyChannel()}, edit=low_urgency_warnings
    ) as bench:
        group_id = bench.fire(severity="warning").json()["groups"][0]
        assert len(bench.pages_to("amara")) == 1  # the EOC, in London, is at work: paged now
        bench.client("amara").post(f"/api/v1/alert-groups/{group_id}/page", json={"person": "aiko"})
        bench.advance(14 * 60 + 59)  # Wednesday 08:59 in Tokyo
        assert ntfy.calls == []
        bench.advance(1)  # 09:00 in Tokyo
        [publish] = ntfy.calls
        assert publish.json["topic"] == "aiko-pages" and publish.json["priority"] == 4
        timeline = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["timeline"]
        [paged] = [e for e in timeline if e["kind"] == "paged" and "aiko" in e["message"]]
        assert "low urgency: from 2026-12-02T00:00:00+00:00" in paged["message"]


def test_a_high_urgency_page_reaches_ntfy_at_night_at_once(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, ntfy: FakeService
) -> None:
    methods = {"aiko": f"[{{type: ntfy, server: '{ntfy.url}', topic: aiko-pages}}]"}
    with notify_bench(
        onwatch, webhook_sink, smtp_sink, methods, {"ntfy": NtfyChannel()}, edit=low_urgency_warnings
    ) as bench:
        group_id = bench.fire(severity="critical").json()["groups"][0]
        bench.client("amara").post(f"/api/v1/alert-groups/{group_id}/page", json={"person": "aiko"})
        bench.worker.run_once()
        [publish] = ntfy.calls
        assert publish.json["priority"] == 5
