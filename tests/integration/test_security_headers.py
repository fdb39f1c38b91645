"""Security headers on every answer: no page can be framed (not even a one-click confirmation), no
inline script runs, content types are not sniffed, secret URLs do not leak in Referer headers, and
HSTS is sent when onwatch is reached over https."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from onwatch.api.app import create_api
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.paging_helpers import make_bench
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "onwatch" / "web" / "templates"
PUBLIC_PAGES = ("/login", "/status", "/status/subscribe", "/status/api/v2/summary.json", "/healthz")


@pytest.fixture
def app(db: Database, clock: FakeClock, org: OnwatchConfig) -> FastAPI:
    set_passwords(db, clock, "amara")
    return create_api(db, clock)


def _policy(headers: object) -> dict[str, str]:
    csp = str(headers["content-security-policy"])  # type: ignore[index]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in csp.split(";")) if d}


def test_the_one_click_confirmation_page_cannot_be_framed(
    db: Database, clock: FakeClock, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> None:
    bench = make_bench(db, clock, webhook_sink, smtp_sink)
    bench.fire()
    link = webhook_sink.requests[0].json["notification"]["links"]["acknowledge"]
    shown = bench.api.get(link.removeprefix("http://onwatch.test"))
    assert shown.status_code == 200 and "Acknowledge alert group" in shown.text
    assert _policy(shown.headers)["frame-ancestors"] == "'none'"
    assert shown.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_answer_carries_the_security_headers(app: FastAPI, path: str) -> None:
    response = TestClient(app).get(path)
    assert response.status_code == 200
    policy = _policy(response.headers)
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # plain http, public URL http


def test_signed_in_pages_carry_no_inline_script(app: FastAPI) -> None:
    browser = Browser(app)
    browser.sign_in("amara")
    for path in ("/", "/incidents/new", "/alerts", "/oncall"):
        page = browser.get(path)
        assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", page.text) == [], path
        assert re.findall(r"\son[a-z]+\s*=", page.text) == [], path


def test_no_template_holds_an_inline_script_or_event_handler() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", text) == [], template.name
        assert re.findall(r"\son[a-z]+\s*=", text) == [], template.name
        assert "javascript:" not in text, template.name


def test_hsts_is_sent_over_https_and_when_the_public_url_is_https(
    db: Database, clock: FakeClock, org: OnwatchConfig
) -> None:
    over_tls = TestClient(create_api(db, clock), base_url="https://onwatch.test").get("/status")
    assert over_tls.headers["strict-transport-security"].startswith("max-age=31536000")
    behind_proxy = create_api(db, clock, public_url="https://status.illumidesk.example")
    answer = TestClient(behind_proxy).get("/status")
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_the_api_documentation_still_loads_its_scripts_and_cannot_be_framed(app: FastAPI) -> None:
    docs = TestClient(app).get("/docs")
    assert docs.status_code == 200
    policy = _policy(docs.headers)
    assert "https://cdn.jsdelivr.net" in policy["script-src"] and policy["frame-ancestors"] == "'none'"
