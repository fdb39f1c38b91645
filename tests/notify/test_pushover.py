"""Pushover: emergency priority for high urgency, the receipt polled by an engine timer, Pushover's
acknowledgement becoming onwatch's; an alarm answered elsewhere is cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.notify.pushover import PushoverChannel, ReceiptTimers
from onwatch.settings import Settings
from tests.databases import settings_for
from tests.notify.bench import notify_bench
from tests.notify.services import FakeService
from tests.paging_helpers import PagingBench
from tests.receivers import SmtpSink, WebhookSink

APP = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
AMARA_KEY = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
RECEIPT = "rLqVuqTRh62UzxtmqiaLzQmVcPgiCy"


def receipt(**changes: Any) -> dict[str, Any]:
    """GET /1/receipts/<receipt>.json as Pushover documents it."""
    body = {
        "status": 1, "acknowledged": 0, "acknowledged_at": 0, "acknowledged_by": "", "acknowledged_by_device": "",
        "last_delivered_at": 1733475600, "expired": 0, "expires_at": 1733486400, "called_back": 0,
        "called_back_at": 0, "request": "req-receipt",
    }  # fmt: skip
    return body | changes


@pytest.fixture
def pushover() -> Iterator[FakeService]:
    with FakeService() as service:
        service.route(
            "POST", "/1/messages.json", (200, {"status": 1, "request": "req-1", "receipt": RECEIPT})
        )
        service.route("GET", f"/1/receipts/{RECEIPT}.json", (200, receipt()))
        service.route("POST", f"/1/receipts/{RECEIPT}/cancel.json", (200, {"status": 1, "request": "req-2"}))
        yield service


@pytest.fixture
def settings(database_url: str, pushover: FakeService) -> Settings:
    return settings_for(database_url, pushover_app_token=APP, pushover_api_url=pushover.url)


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    methods = {"amara": f"[{{type: pushover, user_key: {AMARA_KEY}}}]"}
    channels = {"pushover": PushoverChannel(onwatch.pushover(), ReceiptTimers(onwatch.db, onwatch.clock))}
    with notify_bench(onwatch, webhook_sink, smtp_sink, methods, channels) as bench:
        yield bench


def test_a_high_urgency_page_goes_to_pushover_at_emergency_priority(
    bench: PagingBench, pushover: FakeService
) -> None:
    group_id = bench.fire().json()["groups"][0]
    [sent] = pushover.requests_to("/1/messages.json")
    form = sent.form
    assert (form["token"], form["user"], form["priority"], form["retry"], form["expire"]) == (
        APP, AMARA_KEY, "2", "60", "10800",
    )  # fmt: skip
    assert form["title"].startswith("[critical] web: HighErrorRate")
    assert form["url"] == f"http://onwatch.test/alerts/{group_id}" and form["url_title"] == "Open in onwatch"


def test_a_pushover_emergency_receipt_acknowledged_acknowledges_in_onwatch(
    bench: PagingBench, pushover: FakeService
) -> None:
    group_id = bench.fire().json()["groups"][0]
    bench.advance(0.5)
    [polled] = pushover.requests_to(f"/1/receipts/{RECEIPT}.json")
    assert polled.query == {"token": APP}
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"
    pushover.route(
        "GET",
        f"/1/receipts/{RECEIPT}.json",
        (
            200,
            receipt(
                acknowledged=1,
                acknowledged_at=1733475700,
                acknowledged_by=AMARA_KEY,
                acknowledged_by_device="pixel",
            ),
        ),
    )
    bench.advance(0.5)
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert group["status"] == "acknowledged" and group["acknowledged_by"] == "amara"
    [ack] = [e for e in group["timeline"] if e["kind"] == "acknowledged"]
    assert ack["actor"] == "amara" and ack["interface"] == "push"
    bench.advance(30)
    assert bench.pages_to("nadia") == []  # the escalation stopped
    assert len(pushover.requests_to(f"/1/receipts/{RECEIPT}.json")) == 2  # and polling did too


def test_an_alarm_acknowledged_in_onwatch_is_cancelled_in_pushover(
    bench: PagingBench, pushover: FakeService
) -> None:
    group_id = bench.fire().json()["groups"][0]
    bench.client("amara").post(f"/api/v1/alert-groups/{group_id}/acknowledge")
    bench.advance(0.5)
    [cancel] = pushover.requests_to(f"/1/receipts/{RECEIPT}/cancel.json")
    assert cancel.form == {"token": APP}
    bench.advance(5)
    assert len(pushover.requests_to(f"/1/receipts/{RECEIPT}.json")) == 1


def test_an_expired_receipt_stops_polling(bench: PagingBench, pushover: FakeService) -> None:
    bench.fire()
    pushover.route("GET", f"/1/receipts/{RECEIPT}.json", (200, receipt(expired=1)))
    bench.advance(0.5)
    bench.advance(5)
    assert len(pushover.requests_to(f"/1/receipts/{RECEIPT}.json")) == 1
