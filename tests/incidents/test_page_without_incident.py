"""Paging the IMOC (or the CMOC) on demand is one command, with or without an incident (PROCESS.md
§3.6, the seed's `/pd trigger`): the API, the dashboard button, chat and the CLI (tests/e2e) each
open a role page that escalates like any other."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import notifications, process_bench
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def test_paging_the_imoc_without_an_incident_pages_nadia_and_escalates_to_the_director(
    bench: PagingBench,
) -> None:
    paged = bench.client("amara").post(
        "/api/v1/pages", json={"role": "imoc", "reason": "customers report failed logins"}
    )
    assert paged.status_code == 201, paged.text
    bench.worker.run_once()
    [page] = notifications(bench, "nadia", "page")
    assert "customers report failed logins" in page["text"] and "IMOC" in page["title"]
    group = bench.client("amara").get(f"/api/v1/alert-groups/{paged.json()['alert_group']}").json()
    assert group["status"] == "triggered" and group["incident_id"] is None
    bench.advance(15)
    assert len(notifications(bench, "grace", "page")) == 1, "unanswered, it escalates like any page"


def test_a_page_without_a_reason_is_refused_naming_the_field(bench: PagingBench) -> None:
    refused = bench.client("amara").post("/api/v1/pages", json={"role": "imoc", "reason": ""})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    assert notifications(bench, "nadia") == []


def test_the_dashboard_button_pages_the_imoc_and_opens_the_page(bench: PagingBench) -> None:
    set_passwords(bench.db, bench.clock, "amara")
    assert isinstance(bench.api, TestClient)
    browser = Browser(bench.api)
    browser.sign_in("amara")
    assert 'action="/page"' in browser.get("/").text
    answer = browser.post("/page", {"role": "imoc", "reason": "checkout is failing"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/alerts/")
    bench.worker.run_once()
    assert len(notifications(bench, "nadia", "page")) == 1
