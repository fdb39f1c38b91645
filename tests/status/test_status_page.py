"""The public status page on SQLite and PostgreSQL: what customers see, in HTML, feeds and
Statuspage-shaped JSON; confidential incidents never appear; caching; subscriptions via the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.tables import outbox, status_subscribers
from onwatch.db.uow import Database
from onwatch.incidents.commands import IncidentCommands
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.enums import Interface, Role, Severity, State, Status
from onwatch.kernel.timeline import Actor
from tests.databases import TEST_PUBLIC_URL

AMARA = Actor.person("amara", Interface.API)
NADIA = Actor.person("nadia", Interface.API)
SECRET_TITLE = "Token leak in CI logs ZX-CONFIDENTIAL"
FEEDS = ("/status", "/status/feed.rss", "/status/feed.atom", "/status/api/v2/summary.json",
         "/status/api/v2/incidents.json", "/status/api/v2/incidents/unresolved.json",
         "/status/api/v2/components.json", "/status/api/v2/status.json")  # fmt: skip

# Statuspage v2 shapes, pinned (https://developer.statuspage.io, "Status API")
PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_KEYS = {"id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
                  "start_date", "group_id", "page_id", "group", "only_show_if_degraded"}  # fmt: skip
INCIDENT_KEYS = {"id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
                 "shortlink", "started_at", "page_id", "incident_updates", "components"}  # fmt: skip
UPDATE_KEYS = {"id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
               "affected_components", "deliver_notifications", "custom_tweet", "tweet_id"}  # fmt: skip
COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}


@pytest.fixture
def app(onwatch: Onwatch, org: OnwatchConfig) -> FastAPI:
    api = onwatch.api()
    api.state.status_cache.ttl = 0  # every request sees the latest facts (the cache has its own test)
    return api


@pytest.fixture
def public(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:  # the app's lifespan, as a server runs it
        yield client


def check_incident_shape(incident: dict[str, Any]) -> None:
    assert set(incident) == INCIDENT_KEYS
    assert incident["status"] in INCIDENT_STATUSES
    assert incident["impact"] in {"none", "minor", "major", "critical"}
    for update in incident["incident_updates"]:
        assert set(update) == UPDATE_KEYS and update["status"] in INCIDENT_STATUSES
        for affected in update["affected_components"]:
            assert set(affected) == {"code", "name", "old_status", "new_status"}
    for component in incident["components"]:
        assert set(component) == COMPONENT_KEYS


def test_an_incident_and_its_updates_show_newest_first_then_operational_after_resolution(
    public: TestClient, incidents: IncidentCommands, clock: FakeClock
) -> None:
    incident = incidents.declare(AMARA, title="Git pushes failing", severity=Severity.S2, services=["git"],
                                 status=Status.PARTIAL_SERVICE_DISRUPTION,
                                 public_title="Git pushes failing")  # fmt: skip
    assert incident.id is not None
    incidents.post_update(incident.id, "We are investigating failed pushes.", AMARA)
    clock.advance(timedelta(minutes=10))
    incidents.change_state(incident.id, State.IDENTIFIED, AMARA)
    incidents.post_update(incident.id, "A bad config change; rolling back.", AMARA)

    html = public.get("/status").text
    assert "Git pushes failing" in html and "Partial System Outage" in html
    assert html.index("rolling back") < html.index("investigating failed pushes")
    summary = public.get("/status/api/v2/summary.json").json()
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    git = next(c for c in summary["components"] if c["id"] == "git")
    assert git["status"] == "partial_outage"
    [active] = summary["incidents"]
    assert active["status"] == "identified" and active["impact"] == "major"
    assert [u["body"] for u in active["incident_updates"]] == [
        "A bad config change; rolling back.",
        "We are investigating failed pushes.",
    ]
    rss = public.get("/status/feed.rss")
    assert rss.headers["content-type"].startswith("application/rss+xml") and "rolling back" in rss.text
    assert "rolling back" in public.get("/status/feed.atom").text

    incidents.engage_role(incident.id, Role.IMOC, NADIA)  # a partial disruption resolves with the IMOC
    incidents.change_state(incident.id, State.MONITORING, NADIA)
    clock.advance(timedelta(minutes=31))  # ... after more than 30 minutes of monitoring
    incidents.resolve(incident.id, NADIA)
    summary = public.get("/status/api/v2/summary.json").json()
    assert summary["status"]["indicator"] == "none" and summary["incidents"] == []
    assert {c["status"] for c in summary["components"]} == {"operational"}
    html = public.get("/status").text
    assert "All Systems Operational" in html and "Past incidents" in html and "Git pushes failing" in html
    past = public.get("/status/api/v2/incidents.json").json()["incidents"]
    assert past[0]["status"] == "resolved" and past[0]["resolved_at"] is not None


def test_the_json_has_statuspages_shape(public: TestClient, incidents: IncidentCommands) -> None:
    incident = incidents.declare(AMARA, title="API slow", severity=Severity.S3, services=["api", "web"])
    assert incident.id is not None
    incidents.post_update(incident.id, "Looking into slow API responses.", AMARA)
    summary = public.get("/status/api/v2/summary.json").json()
    assert set(summary) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(summary["page"]) == PAGE_KEYS
    assert set(summary["status"]) == {"indicator", "description"}
    assert summary["status"]["indicator"] in {"none", "minor", "major", "critical"}
    assert [c["id"] for c in summary["components"]] == ["api", "git", "pages", "registry", "web"]
    for component in summary["components"]:
        assert set(component) == COMPONENT_KEYS and component["status"] in COMPONENT_STATUSES
    for item in summary["incidents"]:
        check_incident_shape(item)
    listing = public.get("/status/api/v2/incidents.json").json()
    assert set(listing) == {"page", "incidents"}
    for item in listing["incidents"]:
        check_incident_shape(item)
    assert set(public.get("/status/api/v2/status.json").json()) == {"page", "status"}
    assert set(public.get("/status/api/v2/components.json").json()) == {"page", "components"}


def test_a_confidential_incident_never_appears_in_any_public_output(
    public: TestClient, incidents: IncidentCommands, clock: FakeClock
) -> None:
    secret = incidents.declare(AMARA, title=SECRET_TITLE, severity=Severity.S1, services=["web"],
                               status=Status.SERVICE_DISRUPTION, security=True)  # fmt: skip
    assert secret.id is not None
    incidents.add_note(secret.id, "rotating the ZX-CONFIDENTIAL tokens", AMARA)
    visible = incidents.declare(
        AMARA,
        title="Registry pulls slow",
        severity=Severity.S3,
        services=["registry"],
        public_title="Registry pulls slow",
    )
    assert visible.id is not None
    incidents.post_update(visible.id, "Pulls are slow; investigating.", AMARA)
    clock.advance(timedelta(hours=2))
    incidents.engage_role(secret.id, Role.IMOC, NADIA)
    incidents.resolve(secret.id, NADIA)  # resolved confidential incidents stay out of the history too
    for path in (*FEEDS, f"/status/incidents/{secret.id}"):
        body = public.get(path).text
        assert "ZX-CONFIDENTIAL" not in body, path
    assert public.get(f"/status/incidents/{secret.id}").status_code == 404
    summary = public.get("/status/api/v2/summary.json").json()
    assert next(c for c in summary["components"] if c["id"] == "web")["status"] == "operational"
    assert "Registry pulls slow" in public.get("/status").text


def test_a_disclosed_security_incident_appears(public: TestClient, incidents: IncidentCommands) -> None:
    incident = incidents.declare(AMARA, title="Disclosed vulnerability", severity=Severity.S2,
                                 services=["api"], security=True, status=Status.SECURITY_ISSUE,
                                 public_title="Disclosed vulnerability")  # fmt: skip
    assert incident.id is not None
    assert "Disclosed vulnerability" not in public.get("/status").text
    incidents.disclose(incident.id, AMARA)
    incidents.post_update(incident.id, "We fixed a vulnerability; details follow.", AMARA)
    assert "Disclosed vulnerability" in public.get("/status").text


def test_responses_carry_an_etag_and_answer_304_when_unchanged(app: FastAPI, public: TestClient) -> None:
    app.state.status_cache.ttl = 60
    for path in ("/status", "/status/api/v2/summary.json"):
        first = public.get(path)
        assert first.status_code == 200 and "max-age" in first.headers["cache-control"]
        again = public.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""


def test_guessing_thousands_of_incident_urls_keeps_the_render_cache_small(
    app: FastAPI, public: TestClient, incidents: IncidentCommands
) -> None:
    app.state.status_cache.ttl = 60
    incident = incidents.declare(AMARA, title="Web errors", severity=Severity.S3, services=["web"])
    assert incident.id is not None
    incidents.post_update(incident.id, "Looking into it.", AMARA)
    assert public.get(f"/status/incidents/{incident.id}").status_code == 200
    for guess in range(10_000, 13_000):
        assert public.get(f"/status/incidents/{guess}").status_code == 404
    assert len(app.state.status_cache) <= 3  # the real incident's page, one "not found" page


def test_the_render_cache_never_holds_more_than_its_bound(app: FastAPI) -> None:
    import asyncio

    from onwatch.status.web.cache import StatusCache

    model = asyncio.run(app.state.status_cache.model())[1]
    cache = StatusCache(lambda: model, ttl=60, max_entries=8)

    async def render_many() -> None:
        for n in range(200):
            await cache.get(f"/status/page-{n}", "text/plain", lambda m, n=n: f"page {n} of {m.name}")

    asyncio.run(render_many())
    assert len(cache) == 8


def _outbox(db: Database) -> list[dict[str, Any]]:
    """The status page's messages in the outbox (the incident's own announcements left aside)."""
    with db.read() as uow:
        rows = uow.conn.execute(sa.select(outbox).order_by(outbox.c.id)).mappings()
        return [dict(r) for r in rows if str(r["payload"]["kind"]).startswith("status_")]


def _form_token(client: TestClient, path: str) -> str:
    from tests.web_helpers import csrf_of

    return csrf_of(client.get(path).text)


def test_email_subscription_is_double_opt_in_and_updates_go_through_the_outbox(
    public: TestClient, db: Database, incidents: IncidentCommands
) -> None:
    token = _form_token(public, "/status/subscribe")
    done = public.post(
        "/status/subscribe", data={"kind": "email", "email": "cto@customer.example", "csrf_token": token}
    )
    assert done.status_code == 200 and "Check your inbox" in done.text
    [confirm_mail] = _outbox(db)
    assert confirm_mail["channel"] == "email" and confirm_mail["target"] == {
        "address": "cto@customer.example"
    }
    link = confirm_mail["payload"]["links"]["confirm"]
    path = link.removeprefix(TEST_PUBLIC_URL)

    incident = incidents.declare(AMARA, title="Web errors", severity=Severity.S2, services=["web"])
    assert incident.id is not None
    incidents.post_update(incident.id, "Investigating errors.", AMARA)
    assert len(_outbox(db)) == 1  # not confirmed yet: nothing sent

    page = public.get(path)  # a mail scanner following the link changes nothing
    assert page.status_code == 200 and "Confirm" in page.text and len(_outbox(db)) == 1
    assert public.post(path, data={"csrf_token": _form_token(public, path)}).status_code == 200
    incidents.post_update(incident.id, "Fix deployed.", AMARA)
    update_mail = _outbox(db)[-1]
    assert (
        update_mail["payload"]["text"] == "Fix deployed."
        and update_mail["target"]["address"] == "cto@customer.example"
    )
    unsubscribe = update_mail["payload"]["links"]["unsubscribe"].removeprefix(TEST_PUBLIC_URL)
    assert public.post(unsubscribe, data={"csrf_token": _form_token(public, unsubscribe)}).status_code == 200
    before = len(_outbox(db))
    incidents.post_update(incident.id, "Resolved.", AMARA)
    assert len(_outbox(db)) == before


def test_active_webhook_subscribers_get_updates_through_the_channel_that_checks_targets(
    db: Database, clock: FakeClock, incidents: IncidentCommands
) -> None:
    from onwatch.status.subscribers import SubscriberRepository

    with db.write() as uow:  # one whose endpoint echoed its challenge (tests/status/test_status_webhooks.py)
        SubscriberRepository(uow.conn).add(
            "webhook", "https://hooks.customer.example/status", clock.now(), confirmed=True
        )
    incident = incidents.declare(AMARA, title="Pages down", severity=Severity.S3, services=["pages"])
    assert incident.id is not None
    incidents.post_update(incident.id, "Pages are down.", AMARA)
    [hook] = _outbox(db)
    assert hook["channel"] == "status_webhook"
    assert hook["target"] == {"url": "https://hooks.customer.example/status"}
    assert hook["payload"]["ref"]["incident"] == incident.id


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"kind": "email", "email": "not an address"}, 422, "enter an email address"),
        ({"kind": "webhook", "url": "ftp://x"}, 422, "enter an http:// or https:// URL"),
    ],
)
def test_bad_subscriptions_show_the_error_and_store_nothing(
    public: TestClient, db: Database, form: dict[str, str], status: int, message: str
) -> None:
    token = _form_token(public, "/status/subscribe")
    response = public.post("/status/subscribe", data={**form, "csrf_token": token})
    assert response.status_code == status and message in response.text
    no_token = public.post("/status/subscribe", data={"kind": "email", "email": "a@b.example"})
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    with db.read() as uow:
        assert uow.conn.execute(sa.select(sa.func.count()).select_from(status_subscribers)).scalar_one() == 0
    assert _outbox(db) == []
