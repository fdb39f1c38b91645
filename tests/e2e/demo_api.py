"""A real `onwatch serve` on the demo organisation with one token per role, and something behind
every kind of id (an incident, an alert group, an override, a feed, a maintenance window, a token),
for the tests that walk the whole OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRepository, TokenRole
from tests.e2e.conftest import Cli, Servers

GENERIC_KEY = "demo-generic-webhook-key-0001"


@dataclass
class DemoApi:
    base: str
    tokens: dict[str, str]  # viewer, responder, admin
    ids: dict[str, str]  # path parameter -> a value that names something real

    def client(self, token: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=30)

    def document(self) -> dict[str, Any]:
        return httpx.get(f"{self.base}/openapi.json", timeout=30).json()  # type: ignore[no-any-return]


def start_demo_api(cli: Cli, server: Servers, db: Database) -> DemoApi:
    """`onwatch serve` on `db`, which holds the demo organisation already (the `org` fixture: a copy
    of the migrated demo template); the tokens are made in this process, as `onwatch token create`
    makes them (each `onwatch` subprocess costs seconds of imports on a shared core)."""
    people = {"viewer": "sofia", "responder": "lukas", "admin": "nadia"}
    now = datetime.now(UTC)
    with db.write() as uow:
        repo = uow.repo(TokenRepository)
        tokens = {
            role: repo.create(name=f"{role}-tests", role=TokenRole(role), person_id=person, now=now)[0]
            for role, person in people.items()
        }
        spare, _ = repo.create(name="spare", role=TokenRole.VIEWER, person_id=None, now=now)
    cli.env["ONWATCH_SLACK_SIGNING_SECRET"] = "matrix-signing-secret"
    # the other chat callbacks configured too, so the matrix and the fuzzer meet their verification
    cli.env["ONWATCH_TELEGRAM_WEBHOOK_SECRET"] = "matrix-telegram-secret"
    cli.env["ONWATCH_MATTERMOST_COMMAND_TOKEN"] = "matrix-mattermost-token"
    base = server("--no-engine")
    api = DemoApi(base, tokens, {})
    admin = api.client(tokens["admin"])
    incident = admin.post("/api/v1/incidents", json={"title": "Checkout slow", "severity": "S3"})
    alert = admin.post(
        f"/api/v1/integrations/generic/{GENERIC_KEY}", json={"summary": "disk full", "dedup_key": "d1"}
    )
    override = admin.post(
        "/api/v1/schedules/sre-8-hour/overrides",
        json={"person": "ravi", "start": "2026-12-10T10:00:00Z", "end": "2026-12-10T12:00:00Z"},
    )
    feed = admin.post("/api/v1/schedules/sre-8-hour/feeds")
    window = admin.post(
        "/api/v1/services/web/maintenance",
        json={"start": "2026-12-10T10:00:00Z", "end": "2026-12-10T12:00:00Z"},
    )
    near_miss = admin.post(
        "/api/v1/near-misses", json={"title": "Backups nearly filled /var", "severity": "S3"}
    )
    action = admin.post(f"/api/v1/reviews/{near_miss.json()['id']}/actions", json={"title": "Alert at 80%"})
    tokens_listed = admin.get("/api/v1/tokens").json()
    for answer in (incident, alert, override, feed, window, near_miss, action):
        assert answer.status_code < 300, answer.text
    api.ids = {
        "incident_id": str(incident.json()["id"]),
        "group_id": str(alert.json()["results"][0]["alert_group"]),
        "override_id": str(override.json()["id"]),
        "feed_id": str(feed.json()["id"]),
        "window_id": str(window.json()["id"]),
        "review_id": str(near_miss.json()["id"]),
        "action_id": str(action.json()["id"]),
        "event_id": "1",
        "token_id": str(next(t["id"] for t in tokens_listed if t["name"] == "spare")),
        "schedule_id": "sre-8-hour",
        "person_id": "sofia",
        "service_id": "web",
        "role": "eoc",
        "item": "ack",  # an item of the demo's EOC checklist
        "key": GENERIC_KEY,
    }
    assert spare.startswith("onw_")
    return api
