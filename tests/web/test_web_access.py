"""The web UI over real HTTP has the API's levels: a viewer sees no confidential incident and no
action, and the server refuses their posts (403 page); a responder acts, but not on a confidential
incident outside its circle (404, as if it did not exist); the circle sees and acts."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.db.uow import Database
from onwatch.incidents.store.incidents import IncidentFilter, IncidentRepository
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.enums import Interface, Severity
from onwatch.kernel.timeline import Actor
from tests.conftest import DEMO_CONFIG
from tests.live import LiveServer
from tests.web_helpers import PASSWORD, csrf_of, set_passwords

SECRET = "Customer export leaked ZX-WEB-SECRET"


class LiveBrowser:
    """One person's browser against a real server: cookies, CSRF tokens read from the pages."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)

    def sign_in(self, person: str) -> None:
        page = self.client.get("/login")
        response = self.client.post(
            "/login", data={"person": person, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
        )
        assert response.status_code == 303, response.text

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self.client.post(path, data={"csrf_token": csrf_of(self.get("/").text), **data})


@pytest.fixture
def site(onwatch: Onwatch, db: Database, clock: FakeClock) -> Iterator[str]:
    text = DEMO_CONFIG.read_text().replace(
        "ben:    {name: Ben Carter,", "ben:    {name: Ben Carter, access: viewer,"
    )
    apply_config(db, load_config(text), now=clock.now(), applied_by="tests")
    set_passwords(db, clock, "amara", "lukas", "ben", "omar")
    with LiveServer(onwatch.api()) as server:
        yield server.url


@pytest.fixture
def browser(site: str) -> Iterator[object]:
    opened: list[LiveBrowser] = []

    def open_as(person: str) -> LiveBrowser:
        b = LiveBrowser(site)
        b.sign_in(person)
        opened.append(b)
        return b

    yield open_as
    for b in opened:
        b.client.close()


def _incidents(onwatch: Onwatch) -> tuple[int, int]:
    commands = onwatch.incidents
    amara = Actor.person("amara", Interface.API)
    secret = commands.declare(amara, title=SECRET, severity=Severity.S3, services=["web"], security=True)
    public = commands.declare(amara, title="Slow search", severity=Severity.S4, services=["web"])
    assert secret.id is not None and public.id is not None
    return secret.id, public.id


def _timeline_len(db: Database, incident_id: int) -> int:
    with db.read() as uow:
        return len(uow.repo(IncidentRepository).timeline(incident_id))


def test_a_web_viewer_sees_no_confidential_incident_and_no_action_and_cannot_post(
    browser: object, onwatch: Onwatch, db: Database
) -> None:
    secret, public = _incidents(onwatch)
    ben = browser("ben")  # type: ignore[operator]
    for path in ("/", "/alerts", "/alerts?status=all"):
        page = ben.get(path)
        assert page.status_code == 200 and SECRET not in page.text, path
    assert ben.get(f"/incidents/{secret}").status_code == 404
    assert ben.get(f"/incidents/{secret}/live").status_code == 404
    page = ben.get(f"/incidents/{public}")
    assert page.status_code == 200 and "Slow search" in page.text
    assert f'action="/incidents/{public}/' not in page.text, "no action forms for a viewer"
    assert 'href="/incidents/new"' not in ben.get("/").text
    assert ben.get("/incidents/new").status_code == 403
    before = _timeline_len(db, public)
    for path, data in (
        (f"/incidents/{public}/notes", {"text": "viewer note"}),
        (f"/incidents/{public}/actions", {"action": "state", "value": "identified"}),
        (f"/incidents/{public}/updates", {"body": "all good"}),
        (f"/incidents/{public}/document", {"body": "x", "base_version": "1"}),
        ("/incidents", {"title": "Viewer declared", "severity": "S4"}),
        ("/oncall/handoffs", {"role": "eoc", "text": "viewer handoff"}),
    ):
        refused = ben.post(path, data)
        assert refused.status_code == 403 and "viewer" in refused.text, path
    assert _timeline_len(db, public) == before
    with db.read() as uow:
        assert not [
            i for i in uow.repo(IncidentRepository).find(IncidentFilter()) if i.title == "Viewer declared"
        ]
    assert ben.post("/logout", {}).status_code == 303  # signing out is not an action


def test_a_web_responder_outside_the_circle_gets_404_and_the_circle_acts(
    browser: object, onwatch: Onwatch, db: Database
) -> None:
    secret, public = _incidents(onwatch)
    lukas = browser("lukas")  # type: ignore[operator]
    assert SECRET not in lukas.get("/").text and SECRET not in lukas.get("/alerts").text
    assert lukas.get(f"/incidents/{secret}").status_code == 404
    before = _timeline_len(db, secret)
    assert lukas.post(f"/incidents/{secret}/notes", {"text": "peek"}).status_code == 404
    assert lukas.post(f"/incidents/{secret}/actions", {"action": "engage", "value": "eoc"}).status_code == 404
    assert _timeline_len(db, secret) == before
    assert lukas.post(f"/incidents/{public}/notes", {"text": "looking"}).status_code == 303
    for person in ("amara", "omar"):  # the owner, the security team
        insider = browser(person)  # type: ignore[operator]
        assert SECRET in insider.get("/").text, person
        page = insider.get(f"/incidents/{secret}")
        assert page.status_code == 200 and f'action="/incidents/{secret}/notes"' in page.text
        assert insider.post(f"/incidents/{secret}/notes", {"text": f"{person} here"}).status_code == 303
    assert _timeline_len(db, secret) == before + 2
