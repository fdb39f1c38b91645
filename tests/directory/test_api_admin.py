"""Administration over the API: config apply (with dry run) and tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory, client_factory, with_token
from tests.conftest import DEMO_CONFIG


@pytest.fixture
def anon(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    with TestClient(onwatch.api()) as client:
        yield client


@pytest.fixture
def as_(anon: TestClient, db: Database, clock: FakeClock) -> ClientFactory:
    return client_factory(anon, db, clock)


def test_config_errors_name_every_path_and_apply_nothing(as_: ClientFactory) -> None:
    admin = as_("nadia", TokenRole.ADMIN)
    broken = DEMO_CONFIG.read_text().replace(
        "apdex: 0.998, error_ratio: 0.9999", "apdex: 1.5, error_ratio: 0.9999"
    )
    broken = broken.replace("members: [amara, lukas", "members: [amara, nobody")
    response = admin.post("/api/v1/config", content=broken.encode())
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert fields["services.web.slo.apdex"] == "must be between 0 and 1"
    assert admin.get("/api/v1/config").json()["revision"] == 1


def test_config_dry_run_then_apply(as_: ClientFactory) -> None:
    admin = as_("nadia", TokenRole.ADMIN)
    edited = DEMO_CONFIG.read_text().replace("name: Registry", "name: Container Registry")
    preview = admin.post("/api/v1/config", params={"dry_run": "true"}, content=edited.encode()).json()
    assert preview == {
        "applied": False, "dry_run": True, "revision": None,
        "changes": ["~ services.registry: name 'Registry' -> 'Container Registry'"],
    }  # fmt: skip
    assert admin.post("/api/v1/config", content=edited.encode()).json()["revision"] == 2
    names = {s["id"]: s["name"] for s in admin.get("/api/v1/services").json()}
    assert names["registry"] == "Container Registry"


def test_tokens_are_created_once_listed_without_secret_and_revoked(
    anon: TestClient, as_: ClientFactory
) -> None:
    admin = as_("nadia", TokenRole.ADMIN)
    made = admin.post("/api/v1/tokens", json={"name": "grafana", "role": "viewer"}).json()
    assert made["token"].startswith("onw_")
    listed = [t for t in admin.get("/api/v1/tokens").json() if t["name"] == "grafana"]
    assert listed[0]["token"] is None
    bot = with_token(anon, made["token"])
    assert bot.get("/api/v1/people").status_code == 200
    assert admin.delete(f"/api/v1/tokens/{made['id']}").status_code == 204
    assert bot.get("/api/v1/people").status_code == 401
    unknown = admin.post("/api/v1/tokens", json={"name": "x", "role": "responder", "person": "ghost"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "person"
