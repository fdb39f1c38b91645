"""Confidential (security) incidents through the API, over real HTTP: only the circle (admins, the
security team, the incident managers, the owner and the people on it) reads or changes them, or
anything that names them (alert groups, role pages, timelines, documents)."""

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

SECRET = "Deploy key leaked ZX-SECRET-TITLE"


class Clients:
    def __init__(self, url: str, db: Database, clock: FakeClock) -> None:
        self.url, self.db, self.clock = url, db, clock
        self.opened: list[httpx.Client] = []

    def __call__(self, person: str | None, role: TokenRole = TokenRole.RESPONDER) -> httpx.Client:
        token = token_for(self.db, self.clock, role, person)
        client = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        self.opened.append(client)
        return client


@pytest.fixture
def as_(onwatch: Onwatch, db: Database, clock: FakeClock, org: OnwatchConfig) -> Iterator[Clients]:
    with LiveServer(onwatch.api()) as server:
        clients = Clients(server.url, db, clock)
        yield clients
        for client in clients.opened:
            client.close()


def _declare_secret(amara: httpx.Client) -> dict[str, object]:
    response = amara.post(
        "/api/v1/incidents", json={"title": SECRET, "severity": "S3", "services": ["web"], "security": True}
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def _role_page_of(client: httpx.Client, incident_id: object) -> dict[str, object]:
    groups = client.get("/api/v1/alert-groups").json()
    pages = [g for g in groups if g["incident_id"] == incident_id]
    assert pages, groups
    page: dict[str, object] = pages[0]
    return page


def test_viewers_read_no_confidential_title_through_alert_groups_or_anywhere_else(as_: Clients) -> None:
    amara = as_("amara")
    secret = _declare_secret(amara)
    page = _role_page_of(amara, secret["id"])  # the security on-call was paged: titled with the incident
    assert SECRET in str(page["title"])
    viewer = as_("nadia", TokenRole.VIEWER)
    listed = viewer.get("/api/v1/alert-groups")
    assert listed.status_code == 200 and SECRET not in listed.text
    assert all(g["incident_id"] != secret["id"] for g in listed.json())
    for path in (
        f"/api/v1/alert-groups/{page['id']}",
        f"/api/v1/incidents/{secret['id']}",
        f"/api/v1/incidents/{secret['id']}/timeline",
        f"/api/v1/incidents/{secret['id']}/updates",
        f"/api/v1/incidents/{secret['id']}/document",
        f"/api/v1/incidents/{secret['id']}/document/versions",
    ):
        response = viewer.get(path)
        assert response.status_code == 404, path
        assert SECRET not in response.text, path
    assert SECRET not in viewer.get("/api/v1/incidents").text


def test_a_responder_outside_the_circle_neither_sees_nor_changes_a_confidential_incident(
    as_: Clients,
) -> None:
    amara = as_("amara")
    secret = _declare_secret(amara)
    page = _role_page_of(amara, secret["id"])
    lukas = as_("lukas")  # an SRE: not the owner, not on the incident, not security nor a manager
    assert SECRET not in lukas.get("/api/v1/alert-groups").text
    assert [i["id"] for i in lukas.get("/api/v1/incidents").json()] == []
    iid, gid = secret["id"], page["id"]
    attempts = [
        ("POST", f"/api/v1/incidents/{iid}/notes", {"text": "curious"}),
        ("POST", f"/api/v1/incidents/{iid}/state", {"state": "identified"}),
        ("POST", f"/api/v1/incidents/{iid}/title", {"title": "renamed"}),
        ("POST", f"/api/v1/incidents/{iid}/roles/eoc/engage", None),
        ("POST", f"/api/v1/incidents/{iid}/page", {"role": "imoc"}),
        ("PUT", f"/api/v1/incidents/{iid}/document", {"body": "x", "base_version": 1}),
        ("POST", f"/api/v1/alert-groups/{gid}/acknowledge", None),
        ("POST", f"/api/v1/alert-groups/{gid}/resolve", None),
        ("POST", f"/api/v1/alert-groups/{gid}/escalate", None),
        ("POST", f"/api/v1/alert-groups/{gid}/page", {"role": "imoc"}),
        ("GET", f"/api/v1/alert-groups/{gid}", None),
    ]
    for method, path, body in attempts:
        response = lukas.request(method, path, json=body)
        assert response.status_code == 404, (path, response.text)
        assert SECRET not in response.text
    report = lukas.post("/api/v1/reports", json={"text": "odd logins", "service": "web"}).json()
    attach = lukas.post(f"/api/v1/alert-groups/{report['alert_group']}/attach", json={"incident_id": iid})
    assert attach.status_code == 404
    timeline = amara.get(f"/api/v1/incidents/{iid}/timeline").json()
    assert not [e for e in timeline if e["actor"] == "lukas"], "nothing lukas tried landed"


def test_the_circle_sees_and_acts_on_a_confidential_incident(as_: Clients) -> None:
    amara = as_("amara")  # the declarer owns it
    secret = _declare_secret(amara)
    iid = secret["id"]
    for person in ("omar", "nadia", None):  # the security team, an incident manager, an admin token
        client = as_(person, TokenRole.ADMIN if person is None else TokenRole.RESPONDER)
        assert [i["id"] for i in client.get("/api/v1/incidents").json()] == [iid], person
        assert SECRET in client.get("/api/v1/alert-groups").text, person
    nadia = as_("nadia")
    assert nadia.post(f"/api/v1/incidents/{iid}/notes", json={"text": "on it"}).status_code == 201
    # asked to take a role, an SRE is on the incident from then on
    assign = nadia.post(f"/api/v1/incidents/{iid}/roles/eoc/assign", json={"person": "lukas"})
    assert assign.status_code == 200, assign.text
    lukas = as_("lukas")
    assert lukas.get(f"/api/v1/incidents/{iid}").json()["title"] == SECRET
    assert lukas.post(f"/api/v1/incidents/{iid}/roles/eoc/engage").status_code == 200
    assert as_("maria").get(f"/api/v1/incidents/{iid}").status_code == 404
    disclosed = as_("lukas").post(f"/api/v1/incidents/{iid}/disclose")  # lukas owns it now
    assert disclosed.status_code == 200, disclosed.text
    viewer = as_("maria", TokenRole.VIEWER)
    assert viewer.get(f"/api/v1/incidents/{iid}").json()["title"] == SECRET  # public now
