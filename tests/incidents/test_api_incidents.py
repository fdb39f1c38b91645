"""The incident API: rules answered with the right HTTP status and a message naming the field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from onwatch.settings import Settings
from tests.api_helpers import ClientFactory, client_factory


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_body_bytes": 64 * 1024})


@pytest.fixture
def anon(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    with TestClient(onwatch.api()) as client:
        yield client


@pytest.fixture
def as_(anon: TestClient, db: Database, clock: FakeClock) -> ClientFactory:
    return client_factory(anon, db, clock)


def declare(client: object, **body: object) -> dict[str, object]:
    payload = {"title": "Elevated 5xx on web", "severity": "S2", "services": ["web"], **body}
    response = client.post("/api/v1/incidents", json=payload)  # type: ignore[attr-defined]
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_every_endpoint_but_healthz_needs_a_token(anon: TestClient) -> None:
    assert anon.get("/healthz").json()["status"] == "ok"
    protected = [
        ("GET", "/api/v1/incidents"),
        ("POST", "/api/v1/incidents"),
        ("GET", "/api/v1/people"),
        ("GET", "/api/v1/incidents/1/timeline"),
        ("POST", "/api/v1/config"),
    ]
    for method, path in protected:
        response = anon.request(method, path)
        assert response.status_code == 401, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
    bad = anon.get("/api/v1/incidents", headers={"Authorization": "Bearer onw_not-a-real-token"})
    assert bad.status_code == 401 and "unknown or revoked" in bad.json()["detail"]


def test_viewers_read_but_cannot_change_and_responders_cannot_administer(as_: ClientFactory) -> None:
    viewer = as_("amara", TokenRole.VIEWER)
    assert viewer.get("/api/v1/incidents").status_code == 200
    denied = viewer.post("/api/v1/incidents", json={"title": "x", "severity": "S3"})
    assert denied.status_code == 403 and "responder is needed" in denied.json()["detail"]
    assert as_("amara").get("/api/v1/config").status_code == 403


def test_declare_returns_id_labels_owner_and_imoc_required(as_: ClientFactory) -> None:
    body = declare(as_("amara"), severity="S1")
    assert body["severity"] == "S1" and body["state"] == "investigating"
    assert body["status"] == "degraded_performance" and body["owner"] == "amara"
    assert body["labels"] == [
        "incident",
        "Service::web",
        "Severity::1",
        "Incident::Active",
        "review-requested",
    ]
    assert body["imoc_required"] is True


def test_non_owner_resolving_gets_403_naming_the_owner(as_: ClientFactory) -> None:
    amara, lukas = as_("amara"), as_("lukas")
    n = declare(amara)["id"]
    assert lukas.post(f"/api/v1/incidents/{n}/roles/eoc/engage").json()["owner"] == "lukas"
    refused = amara.post(f"/api/v1/incidents/{n}/resolve")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "only the owner, lukas, can resolve this incident"
    assert refused.json()["errors"] == [{"field": "state", "message": refused.json()["detail"]}]
    done = lukas.post(f"/api/v1/incidents/{n}/state", json={"state": "resolved"}).json()
    assert (done["state"], done["status"]) == ("resolved", "operational")
    assert "Incident::Resolved" in done["labels"]


def test_cascade_and_role_history_through_the_api(as_: ClientFactory) -> None:
    amara, lukas, nadia = as_("amara"), as_("lukas"), as_("nadia")
    n = declare(amara, severity="S3")["id"]
    lukas.post(f"/api/v1/incidents/{n}/roles/eoc/engage")
    asked = lukas.post(f"/api/v1/incidents/{n}/roles/imoc/assign", json={"person": "nadia"}).json()
    assert asked["owner"] == "lukas" and asked["roles"]["imoc"]["engaged_at"] is None
    engaged = nadia.post(f"/api/v1/incidents/{n}/roles/imoc/engage").json()
    assert (engaged["owner"], engaged["owner_role"]) == ("nadia", "imoc")
    assert [(r["role"], r["person"]) for r in engaged["role_history"]] == [
        ("eoc", "lukas"),
        ("imoc", "nadia"),
    ]
    sofia = nadia.post(f"/api/v1/incidents/{n}/roles/cmoc/engage", json={"person": "sofia"}).json()
    assert sofia["owner"] == "sofia"


def test_timeline_records_who_when_what_and_interface(as_: ClientFactory, clock: FakeClock) -> None:
    amara = as_("amara")
    n = declare(amara)["id"]
    amara.post(f"/api/v1/incidents/{n}/notes", json={"text": "looking at the load balancer"})
    amara.post(f"/api/v1/incidents/{n}/status", json={"status": "service_disruption"})
    amara.post(f"/api/v1/incidents/{n}/severity", json={"severity": 1, "reason": "all users"})
    events = amara.get(f"/api/v1/incidents/{n}/timeline").json()
    assert [e["kind"] for e in events] == [
        "declared", "imoc_required", "paged", "paged", "announced", "note", "status_changed", "severity_changed",
    ]  # fmt: skip
    note = events[5]
    assert (note["actor"], note["interface"], note["message"]) == (
        "amara",
        "api",
        "looking at the load balancer",
    )
    assert note["at"].startswith(clock.now().strftime("%Y-%m-%dT%H:%M"))
    later = amara.get(f"/api/v1/incidents/{n}/timeline", params={"after": events[5]["id"]}).json()
    assert [e["kind"] for e in later] == ["status_changed", "severity_changed"]


@pytest.mark.parametrize(
    ("path", "body", "status", "field", "fragment"),
    [
        ("/api/v1/incidents", {"title": "x", "severity": "S5"}, 422, "severity", "use one of S1, S2, S3, S4"),
        ("/api/v1/incidents", {"severity": "S2"}, 422, "title", "Field required"),
        (
            "/api/v1/incidents",
            {"title": "x", "severity": "S2", "status": "on fire"},
            422,
            "status",
            "operational",
        ),
        (
            "/api/v1/incidents",
            {"title": "x", "severity": 2, "services": ["nope"]},
            422,
            "services",
            "unknown service",
        ),
        ("/api/v1/incidents", {"title": "x", "severity": 2, "colour": "red"}, 422, "colour", "Extra inputs"),
        (
            "/api/v1/incidents/{n}/state",
            {"state": "monitoring"},
            409,
            "state",
            "cannot go from investigating",
        ),
        ("/api/v1/incidents/{n}/state", {"state": "closed"}, 422, "state", "investigating"),
        (
            "/api/v1/incidents/{n}/roles/imoc/assign",
            {"person": "ghost"},
            422,
            "person",
            "unknown person 'ghost'",
        ),
        ("/api/v1/incidents/{n}/roles/boss/assign", {"person": "nadia"}, 422, "path.role", "eoc"),
        ("/api/v1/incidents/{n}/notes", {"text": ""}, 422, "text", "at least 1 character"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field_and_writes_nothing(
    as_: ClientFactory, path: str, body: dict[str, object], status: int, field: str, fragment: str
) -> None:
    amara = as_("amara")
    n = declare(amara)["id"]
    before = amara.get(f"/api/v1/incidents/{n}/timeline").json()
    count = len(amara.get("/api/v1/incidents").json())
    response = amara.post(path.format(n=n), json=body)
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == field and fragment in e["message"] for e in problem["errors"]), problem
    assert amara.get(f"/api/v1/incidents/{n}/timeline").json() == before
    assert len(amara.get("/api/v1/incidents").json()) == count


def test_resolved_to_identified_needs_a_reopen(as_: ClientFactory) -> None:
    amara = as_("amara")
    n = declare(amara)["id"]
    amara.post(f"/api/v1/incidents/{n}/resolve")
    refused = amara.post(f"/api/v1/incidents/{n}/state", json={"state": "identified"})
    assert refused.status_code == 409 and "reopen" in refused.json()["detail"]
    reopened = amara.post(f"/api/v1/incidents/{n}/reopen").json()
    assert reopened["state"] == "investigating" and reopened["status"] == "degraded_performance"


def test_malformed_json_and_oversized_payloads_are_refused(as_: ClientFactory) -> None:
    amara = as_("amara")
    malformed = amara.post(
        "/api/v1/incidents",
        content=b'{"title": "x", "severity":',
        headers={"Content-Type": "application/json"},
    )
    assert malformed.status_code == 400 and malformed.json()["title"] == "Malformed JSON"
    huge = amara.post("/api/v1/incidents", json={"title": "x", "severity": "S3", "pad": "y" * 100_000})
    assert huge.status_code == 413 and "larger than 65536 bytes" in huge.json()["detail"]
    assert amara.get("/api/v1/incidents").json() == []


def test_unknown_incident_is_404(as_: ClientFactory) -> None:
    response = as_("amara").get("/api/v1/incidents/424242")
    assert response.status_code == 404 and response.json()["detail"] == "incident 424242 does not exist"


def test_public_updates_are_posted_listed_newest_first_and_can_set_the_status(as_: ClientFactory) -> None:
    amara = as_("amara")
    incident = declare(amara, severity="S3")
    first = amara.post(f"/api/v1/incidents/{incident['id']}/updates", json={"body": "Investigating errors."})
    assert first.status_code == 201, first.text
    second = amara.post(
        f"/api/v1/incidents/{incident['id']}/updates",
        json={"body": "Part of the web fleet is down.", "status": "partial_service_disruption"},
    )
    assert second.json()["status"] == "partial_service_disruption"
    assert second.json()["last_public_update_at"] is not None
    updates = as_("lukas", TokenRole.VIEWER).get(f"/api/v1/incidents/{incident['id']}/updates").json()
    assert [u["body"] for u in updates] == ["Part of the web fleet is down.", "Investigating errors."]
    assert updates[0]["status_title"] == "Partial Service Disruption"
    empty = amara.post(f"/api/v1/incidents/{incident['id']}/updates", json={"body": ""})
    assert empty.status_code == 422 and "body" in empty.text
    kinds = [e["kind"] for e in amara.get(f"/api/v1/incidents/{incident['id']}/timeline").json()]
    assert kinds.count("public_update") == 2


def test_security_incident_hidden_from_viewer_token(as_: ClientFactory) -> None:
    amara = as_("amara")
    secret = declare(amara, title="Leaked deploy key", severity="S2", security=True)
    public = declare(amara, title="Slow pages", severity="S4")
    assert secret["confidential"] and secret["security"]
    viewer = as_("lukas", TokenRole.VIEWER)
    assert [i["id"] for i in viewer.get("/api/v1/incidents").json()] == [public["id"]]
    for path in ("", "/timeline", "/updates"):
        assert viewer.get(f"/api/v1/incidents/{secret['id']}{path}").status_code == 404
    # responders outside the circle (directory/access.py) do not see it either; the security team does
    assert [i["id"] for i in as_("lukas").get("/api/v1/incidents").json()] == [public["id"]]
    assert {i["id"] for i in as_("omar").get("/api/v1/incidents").json()} == {secret["id"], public["id"]}
    refused = amara.post(f"/api/v1/incidents/{secret['id']}/updates", json={"body": "Investigating."})
    assert refused.status_code == 409 and "confidential" in refused.json()["detail"]
    withheld = amara.post(
        f"/api/v1/incidents/{secret['id']}/withhold", json={"reason": "self-managed fix not released"}
    )
    assert withheld.json()["public_withheld_reason"] == "self-managed fix not released"
    assert as_("omar").post(f"/api/v1/incidents/{secret['id']}/disclose").status_code == 403
    disclosed = amara.post(f"/api/v1/incidents/{secret['id']}/disclose").json()
    assert not disclosed["confidential"] and disclosed["public_withheld_reason"] is None
    assert viewer.get(f"/api/v1/incidents/{secret['id']}").status_code == 200
