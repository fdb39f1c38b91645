"""Calendar feeds and schedules over real HTTP: viewers do not see the security on-call's schedule,
so they cannot subscribe to it either; only a feed's owner or an admin revokes it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import token_for
from tests.live import LiveServer


@pytest.fixture
def as_(onwatch: Onwatch, db: Database, clock: FakeClock, org: OnwatchConfig) -> Iterator[object]:
    opened: list[httpx.Client] = []
    with LiveServer(onwatch.api()) as server:

        def client(person: str | None, role: TokenRole = TokenRole.RESPONDER) -> httpx.Client:
            headers = {"Authorization": f"Bearer {token_for(db, clock, role, person)}"}
            made = httpx.Client(base_url=server.url, headers=headers, timeout=30)
            opened.append(made)
            return made

        yield client
        for c in opened:
            c.close()


def test_a_viewer_cannot_see_or_subscribe_to_the_security_schedule(as_: object) -> None:
    viewer = as_("ben", TokenRole.VIEWER)  # type: ignore[operator]
    refused = viewer.post("/api/v1/schedules/security/feeds")
    assert refused.status_code == 404 and refused.json()["errors"][0]["field"] == "schedule"
    for path in ("/api/v1/schedules/security", "/api/v1/schedules/security/shifts",
                 "/api/v1/schedules/security/overrides", "/api/v1/handoffs?role=security"):  # fmt: skip
        assert viewer.get(path).status_code == 404, path
    assert "security" not in [s["id"] for s in viewer.get("/api/v1/schedules").json()]
    assert "security" not in [e["role"] for e in viewer.get("/api/v1/oncall").json()]
    assert all(g["schedule"] != "security" for g in viewer.get("/api/v1/oncall/gaps").json())
    assert viewer.post("/api/v1/schedules/sre-8-hour/feeds").status_code == 201
    responder = as_("lukas")  # type: ignore[operator]
    assert responder.post("/api/v1/schedules/security/feeds").status_code == 201
    assert "security" in [e["role"] for e in responder.get("/api/v1/oncall").json()]


def test_only_the_feeds_owner_or_an_admin_revokes_it(as_: object) -> None:
    ben = as_("ben", TokenRole.VIEWER)  # type: ignore[operator]
    lukas = as_("lukas")  # type: ignore[operator]
    admin = as_("nadia", TokenRole.ADMIN)  # type: ignore[operator]
    bens = ben.post("/api/v1/schedules/sre-8-hour/feeds").json()
    refused = lukas.delete(f"/api/v1/feeds/{bens['id']}")
    assert refused.status_code == 403 and "owner" in refused.json()["detail"]
    assert httpx.get(bens["url"]).status_code == 200, "the feed still works"
    assert ben.delete(f"/api/v1/feeds/{bens['id']}").status_code == 204  # its owner, a viewer
    assert httpx.get(bens["url"]).status_code == 404
    lukas_feed = lukas.post("/api/v1/schedules/sre-8-hour/feeds").json()
    assert admin.delete(f"/api/v1/feeds/{lukas_feed['id']}").status_code == 204
    for_amara = admin.post("/api/v1/people/amara/feeds").json()  # made by an admin, carries amara's shifts
    assert as_("amara").delete(f"/api/v1/feeds/{for_amara['id']}").status_code == 204  # type: ignore[operator]
    assert admin.delete(f"/api/v1/feeds/{for_amara['id']}").status_code == 404  # already revoked
