"""Extreme input is refused with a 4xx naming the field, never answered with a 500: integers past
64 bits, instants near year 1 or 9999, JSON nested hundreds of levels deep, an instant without a
zone where onwatch's API asks for one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import token_for

TOO_BIG = 2**63  # one past the largest 64-bit integer
GENERIC = "/api/v1/integrations/generic/demo-generic-webhook-key-0001"


@pytest.fixture
def admin(onwatch: Onwatch, db: Database, clock: FakeClock, org: OnwatchConfig) -> Iterator[TestClient]:
    app = onwatch.api()  # the default body limit, 1 MiB
    token = token_for(db, clock, TokenRole.ADMIN, "nadia")
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def fields(response: httpx.Response) -> dict[str, str]:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json", response.text
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def deep(levels: int, leaf: str = "1") -> str:
    return '{"a":' * levels + leaf + "}" * levels


def integer_paths(client: TestClient) -> list[tuple[str, str, str]]:
    """(method, path with every integer path parameter too big, that parameter) of each operation."""
    out = []
    for template, operations in client.get("/openapi.json").json()["paths"].items():
        for method, operation in operations.items():
            params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"}
            ints = [n for n, p in params.items() if p["schema"].get("type") == "integer"]
            if not ints:
                continue
            path = template
            for name, p in params.items():
                value = (
                    str(TOO_BIG) if name in ints else "web" if p["schema"].get("type") == "string" else "x"
                )
                path = path.replace("{" + name + "}", value)
            path = path.replace("/roles/web/", "/roles/eoc/")
            out.append((method.upper(), path, ints[0]))
    return out


def test_every_id_in_a_path_past_64_bits_is_a_422_naming_it(admin: TestClient) -> None:
    operations = integer_paths(admin)
    assert len(operations) >= 23  # the operations a probe found answering 500
    for method, path, name in operations:
        response = admin.request(method, path, json={})
        assert response.status_code == 422, (method, path, response.text)
        assert f"path.{name}" in fields(response), (method, path, response.text)


def test_an_id_past_the_id_columns_is_a_422_on_both_databases(admin: TestClient) -> None:
    # found by the fuzzing run: PostgreSQL's 32-bit id columns refused 2**63 - 2 with a 500
    assert "path.group_id" in fields(
        admin.post(f"/api/v1/alert-groups/{2**31}/incident", json={"severity": "S3"})
    )
    assert "path.incident_id" in fields(admin.get(f"/api/v1/incidents/{2**31}"))
    # and an id to read after (the PostgreSQL fuzzing run: after=2**63 - 2 on a timeline was a 500)
    declared = admin.post("/api/v1/incidents", json={"title": "Checkout slow", "severity": "S3"})
    timeline = f"/api/v1/incidents/{declared.json()['id']}/timeline"
    assert "query.after" in fields(admin.get(f"{timeline}?after={2**63 - 2}"))
    assert admin.get(f"{timeline}?after={2**31 - 1}").json() == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/incidents?offset={TOO_BIG}", "query.offset"),
        (f"/api/v1/alert-groups?offset={TOO_BIG}", "query.offset"),
        (f"/api/v1/incidents/1/timeline?after={TOO_BIG}", "query.after"),
        (f"/api/v1/incidents/1/document?version={TOO_BIG}", "query.version"),
        ("/api/v1/alert-groups?offset=-1", "query.offset"),
    ],
)
def test_counts_and_offsets_past_64_bits_are_a_422_naming_them(
    admin: TestClient, path: str, field: str
) -> None:
    assert field in fields(admin.get(path))


def test_ids_in_bodies_past_64_bits_are_a_422_naming_them(admin: TestClient) -> None:
    incident = admin.post("/api/v1/incidents", json={"title": "x", "severity": "S3"}).json()["id"]
    attached = admin.post(f"/api/v1/alert-groups/{incident}/attach", json={"incident_id": TOO_BIG})
    assert "incident_id" in fields(attached)
    document = admin.put(
        f"/api/v1/incidents/{incident}/document", json={"body": "x", "base_version": TOO_BIG}
    )
    assert "base_version" in fields(document)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/oncall?at=0001-01-01T00:00:00Z", "query.at"),
        ("/api/v1/oncall?at=9999-12-31T23:59:59Z", "query.at"),
        ("/api/v1/schedules/sre-8-hour/shifts?from=9999-12-31T00:00:00Z", "query.from"),
        ("/api/v1/schedules/sre-8-hour/shifts?from=0001-01-01T00:00:00%2B01:00", "query.from"),
        ("/api/v1/schedules/sre-8-hour/overrides?to=0001-01-01T00:00:00Z", "query.to"),
    ],
)
def test_instants_near_year_1_or_9999_are_a_422_naming_them(admin: TestClient, path: str, field: str) -> None:
    assert "must lie between 1970-01-01 and 9000-01-01" in fields(admin.get(path))[field]


def test_an_override_or_maintenance_window_at_the_end_of_time_is_a_422(admin: TestClient) -> None:
    end_of_time = {"start": "9999-12-31T00:00:00Z", "end": "9999-12-31T23:00:00Z"}
    override = admin.post("/api/v1/schedules/sre-8-hour/overrides", json={"person": "tom", **end_of_time})
    assert set(fields(override)) == {"start", "end"}
    window = admin.post("/api/v1/services/web/maintenance", json=end_of_time)
    assert set(fields(window)) == {"start", "end"}


def sample(clock: FakeClock, **changes: Any) -> dict[str, Any]:
    return {"service": "web", "at": clock.now().isoformat(), "requests": 10, **changes}


def test_an_slo_sample_at_without_a_zone_is_a_422(admin: TestClient, clock: FakeClock) -> None:
    naive = (clock.now() - timedelta(minutes=1)).replace(tzinfo=None).isoformat()
    response = admin.post("/api/v1/slo/samples", json={"samples": [sample(clock, at=naive)]})
    assert response.status_code == 422
    assert "time zone" in fields(response)["samples[0].at"]


def test_an_slo_sample_near_year_1_is_a_422(admin: TestClient, clock: FakeClock) -> None:
    response = admin.post("/api/v1/slo/samples", json=sample(clock, at="0001-01-01T00:30:00+01:00"))
    assert response.status_code == 422 and "at" in fields(response)


@pytest.mark.parametrize("levels", [65, 300, 1000, 1023, 5000])
def test_deep_json_to_slo_samples_is_a_400_naming_the_field(admin: TestClient, levels: int) -> None:
    body = '{"samples": [{"service": "web", "requests": 1, "x": ' + deep(levels) + "}]}"
    # curl -d sends it as a form; the route reads JSON whatever the declared type
    response = admin.post("/api/v1/slo/samples", content=body, headers={"content-type": "text/plain"})
    assert response.status_code == 400
    expected = "samples[0].x" if levels + 3 <= 1024 else "body"  # deeper than orjson reads: the body
    assert fields(response) == {expected: "nests deeper than 64 levels"}


@pytest.mark.parametrize("levels", [65, 256, 1023, 5000])
def test_deep_json_to_any_api_route_is_a_400_naming_the_field(admin: TestClient, levels: int) -> None:
    body = '{"title": "x", "severity": "S3", "services": ' + "[" * levels + "]" * levels + "}"
    response = admin.post("/api/v1/incidents", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert list(fields(response)) == ["services[0][0]" if levels + 1 <= 1024 else "body"]


def test_json_nested_within_the_bound_still_reaches_the_route(admin: TestClient) -> None:
    body = '{"title": "x", "severity": "S3", "services": ' + "[" * 60 + "]" * 60 + "}"
    response = admin.post("/api/v1/incidents", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and "services.0" in fields(response)


@pytest.mark.parametrize("levels", [61, 300, 1000])
def test_deep_alert_details_are_a_400_naming_the_field_not_a_retry(admin: TestClient, levels: int) -> None:
    body = (
        '{"alerts": [{"summary": "ok", "dedup_key": "a"}, {"summary": "x", "details": ' + deep(levels) + "}]}"
    )
    response = admin.post(GENERIC, content=body)
    assert response.status_code == 400
    assert list(fields(response)) == ["alerts[1].details"]


def test_deep_pagerduty_custom_details_are_a_400_naming_the_field(admin: TestClient) -> None:
    payload = (
        '{"routing_key": "demo-pagerduty-routing-key-01", "event_action": "trigger", "payload": '
        '{"summary": "s", "source": "x", "severity": "error", "custom_details": ' + deep(300) + "}}"
    )
    response = admin.post("/v2/enqueue", content=payload)
    assert response.status_code == 400
    assert response.json()["errors"] == ["payload.custom_details: nests deeper than 60 levels"]


def test_alert_timestamps_near_year_1_are_a_400_naming_the_field(admin: TestClient) -> None:
    response = admin.post(GENERIC, json={"summary": "x", "timestamp": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 400 and "timestamp" in fields(response)


def test_deep_yaml_config_is_a_422_not_a_recursion_error(admin: TestClient) -> None:
    for text in (
        "organisation: " + "[" * 2000 + "]" * 2000,
        "a:\n" + "".join("  " * i + "-\n" for i in range(1, 400)),
    ):
        response = admin.post("/api/v1/config", content=text, headers={"content-type": "application/yaml"})
        assert response.status_code == 422, response.text
        assert "nests deeper than 64 levels" in response.json()["detail"]


def test_a_nul_character_in_any_json_body_is_a_400_naming_the_field(admin: TestClient) -> None:
    """PostgreSQL cannot store a NUL; SQLite could: refused alike on both, before any route runs."""
    body = '{"title": "checkout\\u0000down", "severity": "S3", "services": ["web"]}'
    answer = admin.post("/api/v1/incidents", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert "NUL" in fields(answer)["title"]
    assert admin.get("/api/v1/incidents").json() == []  # nothing declared


def test_a_nul_character_in_the_query_or_path_is_a_400_naming_it(admin: TestClient) -> None:
    assert "NUL" in fields(admin.get("/api/v1/corrective-actions?owner=ben%00"))["query.owner"]
    assert "NUL" in fields(admin.get("/api/v1/people/ben%00"))["path"]
