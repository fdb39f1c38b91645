"""Change events: a deploy reported by CI/CD shows as a recent change on the incident and the alert
group of its service, is offered in the review as a suspected trigger, and is found by search; a change
without a service, a time or a summary is refused naming the field, and nothing is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory
from tests.reviews.helpers import ok, resolved_incident
from tests.web_helpers import Browser, set_passwords

PD_KEY = "demo-pagerduty-routing-key-01"  # the demo's Events v2 integration, on service `api`


def deploy(
    as_: ClientFactory, clock: FakeClock, service: str, summary: str, ago: timedelta
) -> dict[str, Any]:
    body = {
        "service": service,
        "summary": summary,
        "source": "gitlab-ci",
        "time": (clock.now() - ago).isoformat(),
        "links": [{"href": "https://ci.example.com/pipelines/812", "text": "pipeline 812"}],
    }
    return ok(as_("maria").post("/api/v1/changes", json=body), 201)  # type: ignore[no-any-return]


def test_a_deploy_an_hour_before_shows_on_the_incident_as_a_recent_change(
    as_: ClientFactory, clock: FakeClock, site: TestClient, db: Database
) -> None:
    deploy(as_, clock, "web", "Deploy web v2.3.1 (checkout rewrite)", timedelta(hours=1))
    deploy(as_, clock, "web", "Deploy web v2.2.0", timedelta(days=2))  # too long before
    deploy(as_, clock, "git", "Gitaly config change", timedelta(minutes=30))  # another service
    n = ok(
        as_("maria").post(
            "/api/v1/incidents", json={"title": "Checkout errors", "severity": "S3", "services": ["web"]}
        ),
        201,
    )["id"]
    recent = ok(as_("lukas", TokenRole.VIEWER).get(f"/api/v1/incidents/{n}/changes"))
    assert [c["summary"] for c in recent] == ["Deploy web v2.3.1 (checkout rewrite)"]
    assert recent[0]["reported_by"] == "maria"
    assert recent[0]["links"] == [{"href": "https://ci.example.com/pipelines/812", "text": "pipeline 812"}]

    set_passwords(db, clock, "lukas")
    browser = Browser(site)
    browser.sign_in("lukas")
    page = browser.get(f"/incidents/{n}")
    assert f'hx-get="/incidents/{n}/changes"' in page.text
    panel = browser.get(f"/incidents/{n}/changes")
    assert panel.status_code == 200
    assert "Deploy web v2.3.1 (checkout rewrite)" in panel.text
    assert "1 h 0 min before" in panel.text
    assert "Gitaly config change" not in panel.text and "v2.2.0" not in panel.text


def test_the_review_offers_the_deploy_before_the_incident_as_a_suspected_trigger(
    as_: ClientFactory, clock: FakeClock
) -> None:
    deploy(as_, clock, "web", "Deploy web v2.3.1", timedelta(minutes=20))
    n = resolved_incident(as_, clock, "S2", service="web")
    deploy(as_, clock, "web", "Rollback web to v2.3.0", timedelta(0))  # after: a fix, not a trigger
    review = ok(as_("lukas").get(f"/api/v1/incidents/{n}/review"))
    [suspect] = review["prefill"]["suspected_triggers"]
    assert (suspect["summary"], suspect["service"], suspect["minutes_before"]) == (
        "Deploy web v2.3.1",
        "web",
        20.0,
    )


def test_an_alert_groups_page_shows_its_services_recent_changes(
    as_: ClientFactory, clock: FakeClock, site: TestClient, db: Database
) -> None:
    deploy(as_, clock, "api", "Feature flag graphql_batching on", timedelta(minutes=45))
    fired = site.post(
        "/v2/enqueue",
        json={
            "routing_key": PD_KEY,
            "event_action": "trigger",
            "payload": {"summary": "API 5xx above 2%", "source": "prometheus", "severity": "error"},
        },
    )
    assert fired.status_code == 202, fired.text
    [group] = ok(as_("lukas").get("/api/v1/alert-groups"))
    set_passwords(db, clock, "lukas")
    browser = Browser(site)
    browser.sign_in("lukas")
    assert f'hx-get="/alerts/{group["id"]}/changes"' in browser.get(f"/alerts/{group['id']}").text
    panel = browser.get(f"/alerts/{group['id']}/changes").text
    assert "Feature flag graphql_batching on" in panel and "45 min before" in panel


def test_changes_are_found_by_words_in_their_summary_or_source(as_: ClientFactory, clock: FakeClock) -> None:
    deploy(as_, clock, "web", "Deploy web v2.3.1 (checkout rewrite)", timedelta(hours=3))
    deploy(as_, clock, "api", "Enable rate limiting on the GraphQL endpoint", timedelta(hours=2))
    viewer = as_("lukas", TokenRole.VIEWER)
    assert [c["summary"] for c in ok(viewer.get("/api/v1/changes", params={"q": "checkout"}))] == [
        "Deploy web v2.3.1 (checkout rewrite)"
    ]
    assert [c["service"] for c in ok(viewer.get("/api/v1/changes", params={"q": "graphql rate"}))] == ["api"]
    assert (
        ok(viewer.get("/api/v1/changes", params={"q": "gitlab-ci", "service": "web"}))[0]["service"] == "web"
    )
    assert ok(viewer.get("/api/v1/changes", params={"q": "kubernetes"})) == []
    assert len(ok(viewer.get("/api/v1/changes"))) == 2


@pytest.mark.parametrize(
    ("missing", "field"),
    [("service", "service"), ("time", "time"), ("summary", "summary")],
)
def test_a_change_without_a_service_time_or_summary_is_refused_naming_the_field(
    as_: ClientFactory, clock: FakeClock, missing: str, field: str
) -> None:
    body = {"service": "web", "summary": "Deploy web v2.3.1", "time": clock.now().isoformat()}
    del body[missing]
    answer = as_("maria").post("/api/v1/changes", json=body)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert ok(as_("maria").get("/api/v1/changes")) == []


def test_a_change_to_an_unknown_service_or_from_the_future_is_refused(
    as_: ClientFactory, clock: FakeClock
) -> None:
    maria = as_("maria")
    unknown = maria.post(
        "/api/v1/changes", json={"service": "nope", "summary": "x", "time": clock.now().isoformat()}
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "service"
    future = (clock.now() + timedelta(hours=1)).isoformat()
    ahead = maria.post("/api/v1/changes", json={"service": "web", "summary": "x", "time": future})
    assert ahead.status_code == 422 and ahead.json()["errors"][0]["field"] == "time"
    no_zone = maria.post(
        "/api/v1/changes", json={"service": "web", "summary": "x", "time": "2026-12-01T10:00:00"}
    )
    assert no_zone.status_code == 422 and no_zone.json()["errors"][0]["field"] == "time"
    assert ok(maria.get("/api/v1/changes")) == []


def test_a_change_events_api_body_lands_on_the_routing_keys_service(
    as_: ClientFactory, clock: FakeClock, site: TestClient
) -> None:
    at = (clock.now() - timedelta(minutes=10)).isoformat()
    body = {
        "routing_key": PD_KEY,
        "payload": {
            "summary": "Build Success: Increase snapshot create timeout to 30 seconds",
            "timestamp": at,
            "source": "acme-build-pipeline-tool-default-i-9999",
            "custom_details": {"build_state": "passed", "build_number": "2", "run_time": "1236s"},
        },
        "links": [{"href": "https://acme.pagerduty.dev/build/2", "text": "View more details in Acme!"}],
    }
    answer = site.post("/v2/change/enqueue", json=body)
    assert answer.status_code == 202
    assert answer.json() == {"status": "success", "message": "Change event processed"}
    [change] = ok(as_("lukas").get("/api/v1/changes"))
    assert (change["service"], change["integration"], change["at"][:19]) == ("api", "events", at[:19])
    assert change["details"]["build_state"] == "passed"
    unknown = site.post("/v2/change/enqueue", json={**body, "routing_key": "no-such-key-at-all"})
    assert unknown.status_code == 404
    no_summary = site.post("/v2/change/enqueue", json={"routing_key": PD_KEY, "payload": {"source": "ci"}})
    assert no_summary.status_code == 400 and no_summary.json()["errors"] == ["payload.summary: required"]
    assert len(ok(as_("lukas").get("/api/v1/changes"))) == 1


def test_a_change_link_that_is_not_a_web_link_is_not_shown_as_a_link(
    as_: ClientFactory, clock: FakeClock, site: TestClient, db: Database
) -> None:
    body = {
        "service": "web",
        "summary": "Deploy web v2.3.2",
        "time": clock.now().isoformat(),
        "links": [{"href": "javascript:alert(document.cookie)", "text": "click me"}],
    }
    ok(as_("maria").post("/api/v1/changes", json=body), 201)
    set_passwords(db, clock, "lukas")
    browser = Browser(site)
    browser.sign_in("lukas")
    page = browser.get("/changes").text
    assert "Deploy web v2.3.2" in page and "javascript:" not in page
