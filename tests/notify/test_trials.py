""" "Send a test" per contact method: the API and the CLI send through the channel now and answer
what each method did."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from onwatch.bootstrap import Onwatch
from onwatch.directory.tokens import TokenRole
from tests.notify.bench import notify_bench
from tests.notify.services import FakeService
from tests.paging_helpers import PagingBench
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def ntfy() -> Iterator[FakeService]:
    with FakeService() as service:
        service.route("POST", "/", (200, {"id": "t1", "event": "message"}))
        yield service


@pytest.fixture
def bench(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, ntfy: FakeService
) -> Iterator[PagingBench]:
    # a working ntfy topic, and a Discord webhook that answers 404 (deleted in Discord)
    methods = {
        "amara": f"[{{type: ntfy, server: '{ntfy.url}', topic: amara}}, {{type: discord, url: '{ntfy.url}/gone'}}]"
    }
    ntfy.route("POST", "/gone", (404, {"message": "Unknown Webhook", "code": 10015}))
    with notify_bench(onwatch, webhook_sink, smtp_sink, methods, {}) as bench:
        yield bench


def test_send_a_test_to_each_method_says_which_work(bench: PagingBench, ntfy: FakeService) -> None:
    answer = bench.client("amara").post("/api/v1/people/amara/contact-methods/test")
    assert answer.status_code == 200
    assert answer.json() == [
        {"method": 0, "type": "ntfy", "delivered": True, "error": None},
        {
            "method": 1,
            "type": "discord",
            "delivered": False,
            "error": 'HTTP 404: {"message":"Unknown Webhook","code":10015}',
        },
    ]
    [published] = ntfy.requests_to("/", "POST")[:1]
    assert published.json["title"].startswith("[info] Test from onwatch: your ntfy contact method works")
    one = bench.client("amara").post("/api/v1/people/amara/contact-methods/test?method=0")
    assert [r["method"] for r in one.json()] == [0]


def test_only_the_person_or_an_admin_sends_tests(bench: PagingBench) -> None:
    refused = bench.client("lukas").post("/api/v1/people/amara/contact-methods/test")
    assert refused.status_code == 403
    admin = bench.client("nadia", TokenRole.ADMIN).post("/api/v1/people/amara/contact-methods/test?method=0")
    assert admin.status_code == 200 and admin.json()[0]["delivered"] is True
    missing = bench.client("amara").post("/api/v1/people/amara/contact-methods/test?method=7")
    assert missing.status_code == 404


def test_the_cli_sends_a_test_and_fails_when_a_method_does(
    bench: PagingBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onwatch.cli import context
    from onwatch.cli.main import app

    monkeypatch.setattr(context, "onwatch", lambda: bench.onwatch)
    monkeypatch.setattr("onwatch.paging.cli.onwatch", lambda: bench.onwatch)
    result = CliRunner().invoke(app, ["test-contact", "amara"])
    assert result.exit_code == 1
    assert "#0 ntfy       delivered" in result.output and "#1 discord    FAILED: HTTP 404" in result.output


def test_a_person_sends_a_test_from_the_web_ui(bench: PagingBench, ntfy: FakeService) -> None:
    set_passwords(bench.db, bench.clock, "amara")
    browser = Browser(bench.api)
    browser.sign_in("amara")
    page = browser.get("/me/contact-methods")
    assert page.status_code == 200 and "ntfy" in page.text and "discord" in page.text
    assert page.text.count(">Send a test</button>") == 2
    answer = browser.post("/me/contact-methods/test", {"method": "1"})
    assert answer.status_code == 200
    assert "Test to #1 (discord) failed: HTTP 404" in answer.text
    sent = browser.post("/me/contact-methods/test", {"method": "0"})
    assert "Test sent to #0 (ntfy)" in sent.text and len(ntfy.requests_to("/", "POST")) == 2
