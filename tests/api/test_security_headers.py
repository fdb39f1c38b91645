"""Security headers on every answer: no page can be framed (not even a one-click confirmation), no
inline script runs, content types are not sniffed, secret URLs do not leak in Referer headers, and
HSTS is sent when onwatch is reached over https."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from tests.databases import rebuilt
from tests.paging_helpers import make_bench, running
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "onwatch" / "web" / "templates"
PUBLIC_PAGES = ("/login", "/status", "/status/subscribe", "/status/api/v2/summary.json", "/healthz")


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    set_passwords(onwatch.db, onwatch.clock, "amara")
    with TestClient(onwatch.api()) as site:  # the app's lifespan, as a server runs it
        yield site


def _policy(headers: object) -> dict[str, str]:
    csp = str(headers["content-security-policy"])  # type: ignore[index]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in csp.split(";")) if d}


def test_the_one_click_confirmation_page_cannot_be_framed(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> None:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        bench.fire()
        link = webhook_sink.requests[0].json["notification"]["links"]["acknowledge"]
        shown = bench.api.get(link.removeprefix("http://onwatch.test"))
    assert shown.status_code == 200 and "Acknowledge alert group" in shown.text
    assert _policy(shown.headers)["frame-ancestors"] == "'none'"
    assert shown.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_answer_carries_the_security_headers(site: TestClient, path: str) -> None:
    response = site.get(path)
    assert response.status_code == 200
    policy = _policy(response.headers)
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # plain http, public URL http


# a <script> without src runs inline; a JSON data block (the reports' chart data) is never executed
INLINE_SCRIPT = r'<script(?![^>]*\s(?:src=|type="application/json"))[^>]*>'


def test_signed_in_pages_carry_no_inline_script(site: TestClient) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    for path in ("/", "/incidents/new", "/alerts", "/oncall"):
        page = browser.get(path)
        assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
        assert re.findall(INLINE_SCRIPT, page.text) == [], path
        assert re.findall(r"\son[a-z]+\s*=", page.text) == [], path


def test_no_template_holds_an_inline_script_or_event_handler() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert re.findall(INLINE_SCRIPT, text) == [], template.name
        assert re.findall(r"\son[a-z]+\s*=", text) == [], template.name
        assert "javascript:" not in text, template.name


def test_hsts_is_sent_over_https_and_when_the_public_url_is_https(
    onwatch: Onwatch, org: OnwatchConfig
) -> None:
    with TestClient(onwatch.api(), base_url="https://onwatch.test") as over_tls:
        answer = over_tls.get("/status")
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
    behind_proxy = rebuilt(onwatch, public_url="https://status.illumidesk.example")
    with TestClient(behind_proxy.api()) as client:
        answer = client.get("/status")
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_the_api_documentation_still_loads_its_scripts_and_cannot_be_framed(site: TestClient) -> None:
    docs = site.get("/docs")
    assert docs.status_code == 200
    policy = _policy(docs.headers)
    assert "https://cdn.jsdelivr.net" in policy["script-src"] and policy["frame-ancestors"] == "'none'"
