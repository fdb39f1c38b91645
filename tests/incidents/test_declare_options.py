"""Declare options are optional (PROCESS.md §4: "the working document, the announcements and the
pages below are each optional, chosen by the declarer according to severity"): each is chosen at
declaration, else the severity's `severities.<S>.declare` default; S1/S2 always page the IMOC."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import demo_everyone_on_webhook, notifications, posts_to, process_bench
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords

# S3 in this organisation: no working document by default, and the EOC paged
S3_DEFAULTS = """
severities:
  S3:
    time_to_mitigate: 72h
    time_to_resolve: 30d
    corrective_actions_due: 60d
    update_cadence: {investigating: 15m, identified: 30m, monitoring: 60m}
    declare: {document: false, page: [eoc]}
"""


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    bench = process_bench(onwatch, webhook_sink, smtp_sink)
    text = demo_everyone_on_webhook(webhook_sink) + S3_DEFAULTS
    apply_config(onwatch.db, load_config(text), now=onwatch.clock.now(), applied_by="tests")
    with running(bench) as running_bench:
        yield running_bench


def declare(bench: PagingBench, **body: object) -> int:
    response = bench.client("lukas").post("/api/v1/incidents", json={"title": "Typo on pricing", **body})
    assert response.status_code == 201, response.text
    bench.worker.run_once()
    return int(response.json()["id"])


def test_an_s4_declared_without_document_announcements_or_pages_does_none_of_them(bench: PagingBench) -> None:
    n = declare(bench, severity="S4", document=False, announce=False, page=[])
    assert bench.client("lukas").get(f"/api/v1/incidents/{n}/document").status_code == 404
    assert posts_to(bench, "production") == [] and posts_to(bench, "incident-management") == []
    assert posts_to(bench, "advocates") == []
    assert [r for r in bench.webhook.requests if "to=" in r.path] == [], "nobody paged"


def test_s2_always_pages_the_imoc_whatever_the_declarer_chose(bench: PagingBench) -> None:
    declare(bench, severity="S2", page=[], announce=False)
    assert len(notifications(bench, "nadia", "page")) == 1
    assert posts_to(bench, "production") == []


def test_the_severitys_declare_defaults_apply_when_the_declarer_says_nothing(bench: PagingBench) -> None:
    n = declare(bench, severity="S3")
    assert bench.client("lukas").get(f"/api/v1/incidents/{n}/document").status_code == 404
    assert len(notifications(bench, "amara", "page")) == 1, "S3 pages the EOC by this config"
    [announcement] = posts_to(bench, "production")
    assert "Working document" not in announcement, "no link to a document that does not exist"
    chosen = declare(bench, severity="S3", document=True, page=["cmoc"])
    assert bench.client("lukas").get(f"/api/v1/incidents/{chosen}/document").status_code == 200
    assert len(notifications(bench, "sofia", "page")) == 1 and len(notifications(bench, "amara", "page")) == 1


def test_the_web_declare_form_chooses_no_document_and_no_announcement(bench: PagingBench) -> None:
    set_passwords(bench.db, bench.clock, "lukas")
    assert isinstance(bench.api, TestClient)
    browser = Browser(bench.api)
    browser.sign_in("lukas")
    answer = browser.post(
        "/incidents",
        {"title": "Search slow", "severity": "S4", "status": "degraded_performance", "document": "no",
         "announce": "no", "pages": "chosen"},
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    n = answer.headers["location"].rsplit("/", 1)[1]
    bench.worker.run_once()
    assert bench.client("lukas").get(f"/api/v1/incidents/{n}/document").status_code == 404
    assert posts_to(bench, "production") == []
