"""The web UI on SQLite and PostgreSQL: sign-in and sessions, CSRF, bad form input writes nothing,
disabled actions carry the rule's reason, and API tokens keep working beside the cookies."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.incidents.store.incidents import IncidentFilter, IncidentRepository
from onwatch.kernel.clock import FakeClock
from onwatch.web.auth import Sessions
from tests.api_helpers import token_for
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    """The app inside its lifespan, as a server runs it; each Browser is one person's browser on it."""
    set_passwords(onwatch.db, onwatch.clock, "amara", "lukas")
    with TestClient(onwatch.api()) as site:
        yield site


def incident_count(db: Database) -> int:
    with db.read() as uow:
        return len(uow.repo(IncidentRepository).find(IncidentFilter()))


def test_pages_need_a_sign_in_and_a_wrong_password_is_refused_visibly(site: TestClient) -> None:
    browser = Browser(site)
    response = browser.get("/incidents/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/incidents/new"
    wrong = browser.sign_in("amara", "not the password")
    assert wrong.status_code == 401 and "Unknown person or wrong password." in wrong.text
    assert browser.sign_in("nobody-here").status_code == 401
    ok = browser.sign_in("amara")
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "Amara Okafor" in browser.get("/").text


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(site: TestClient) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    stolen = Browser(site)
    stolen.client.cookies.update(browser.client.cookies)
    assert stolen.get("/", follow_redirects=False).status_code == 200
    assert browser.post("/logout", {}).status_code == 303
    assert stolen.get("/", follow_redirects=False).status_code == 303  # the server-side row is revoked


def test_a_new_password_signs_the_person_out_everywhere(
    site: TestClient, db: Database, clock: FakeClock
) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    Sessions(db, clock).set_password("amara", "another long password")
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_a_forged_cookie_is_refused(site: TestClient) -> None:
    browser = Browser(site)
    browser.client.cookies.set("onwatch_session", "made-up.0123456789abcdef0123456789abcdef")
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_declaring_through_the_form_records_the_web_interface(site: TestClient, db: Database) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    response = browser.post("/incidents", {"title": "Web is slow", "severity": "S2", "services": ["web"]})
    assert response.status_code == 303
    page = browser.get(response.headers["location"])
    assert "Web is slow" in page.text and "amara via web" in page.text
    with db.read() as uow:
        [incident] = uow.repo(IncidentRepository).find(IncidentFilter())
    assert incident.services == ["web"] and incident.owner_id == "amara"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title": "   ", "severity": "S2"}, "Enter a title"),
        ({"title": "Web down", "severity": "S9"}, "Unknown severity &#39;S9&#39;"),
        ({"title": "Web down", "severity": "S2", "services": ["nope"]}, "unknown service(s): nope"),
        ({"title": "Web down", "severity": "S2", "status": "on fire"}, "Unknown status"),
    ],
)
def test_bad_declare_input_shows_the_error_and_writes_nothing(
    site: TestClient, db: Database, form: dict[str, object], message: str
) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    response = browser.post("/incidents", form)
    assert response.status_code == 422
    assert 'role="alert"' in response.text and message in response.text
    assert incident_count(db) == 0


def test_a_form_without_its_csrf_token_is_rejected_and_writes_nothing(site: TestClient, db: Database) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    missing = browser.post("/incidents", {"title": "Web down", "severity": "S2"}, csrf=False)
    assert missing.status_code == 403 and "CSRF token" in missing.text
    wrong = browser.post("/incidents", {"title": "Web down", "severity": "S2", "csrf_token": "guess"})
    assert wrong.status_code == 403
    assert incident_count(db) == 0
    # another person's token does not work either
    other = Browser(site)
    other.sign_in("lukas")
    stolen = other.csrf()
    assert (
        browser.post("/incidents", {"title": "x", "severity": "S2", "csrf_token": stolen}).status_code == 403
    )
    assert incident_count(db) == 0


def test_sign_in_form_needs_its_csrf_token(site: TestClient) -> None:
    browser = Browser(site)
    response = browser.client.post(
        "/login", data={"person": "amara", "password": "correct horse battery staple"}
    )
    assert response.status_code == 400 and "CSRF" in response.text


def test_a_non_owner_sees_resolve_disabled_with_the_owners_name(site: TestClient) -> None:
    owner = Browser(site)
    owner.sign_in("amara")
    location = owner.post("/incidents", {"title": "API errors", "severity": "S2"}).headers["location"]
    other = Browser(site)
    other.sign_in("lukas")
    page = other.get(location).text
    resolve = re.search(r'<button[^>]*value="resolve"[^>]*>', page)
    assert resolve and "disabled" in resolve.group(0)
    assert "only the owner, Amara Okafor, can resolve this incident" in page
    # and the server refuses it anyway (a hand-made POST), with the reason on the page
    refused = other.post(location + "/actions", {"action": "resolve"})
    assert refused.status_code == 403 and "only the owner, amara, can resolve this incident" in refused.text
    mine = owner.get(location).text
    assert "disabled" not in re.search(r'<button[^>]*value="resolve"[^>]*>', mine).group(0)  # type: ignore[union-attr]
    assert owner.post(location + "/actions", {"action": "resolve"}).status_code == 303


def test_an_empty_note_is_refused_visibly_and_a_note_lands_on_the_timeline(site: TestClient) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    location = browser.post("/incidents", {"title": "Git slow", "severity": "S3"}).headers["location"]
    empty = browser.post(location + "/notes", {"text": "  "})
    assert empty.status_code == 422 and "note must not be empty" in empty.text
    assert browser.post(location + "/notes", {"text": "looking at the disks"}).status_code == 303
    assert "looking at the disks" in browser.get(location).text


def test_the_live_fragment_answers_204_until_something_changes(site: TestClient) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    location = browser.post("/incidents", {"title": "Pages down", "severity": "S3"}).headers["location"]
    key = re.search(r"/live\?key=([0-9-]+)", browser.get(location).text).group(1)  # type: ignore[union-attr]
    assert browser.get(f"{location}/live?key={key}").status_code == 204
    browser.post(location + "/notes", {"text": "a new finding"})
    changed = browser.get(f"{location}/live?key={key}")
    assert changed.status_code == 200 and "a new finding" in changed.text


def test_api_tokens_keep_working_and_cookies_do_not_open_the_api(
    site: TestClient, db: Database, clock: FakeClock
) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    assert browser.get("/api/v1/incidents").status_code == 401
    token = token_for(db, clock, TokenRole.RESPONDER, "amara")
    response = browser.client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_main_pages_render_for_a_signed_in_person(site: TestClient) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    for path in ("/", "/incidents/new", "/alerts", "/alerts?status=all", "/oncall"):
        assert browser.get(path).status_code == 200, path
    assert browser.get("/incidents/999").status_code == 404


def test_overrides_and_handoff_notes_from_the_on_call_page(site: TestClient) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    bad = browser.post(
        "/oncall/overrides",
        {"schedule": "sre-8-hour", "person": "amara", "start": "2026-12-02T10:00", "end": "2026-12-02T09:00"},
    )
    assert bad.status_code == 422 and "&#39;end&#39; must be after &#39;start&#39;" in bad.text
    ok = browser.post(
        "/oncall/overrides",
        {
            "schedule": "sre-8-hour",
            "person": "lukas",
            "start": "2026-12-02T10:00",
            "end": "2026-12-02T12:00",
            "note": "swap",
        },
    )
    assert ok.status_code == 303
    page = browser.get("/oncall").text
    removal = re.search(r'action="(/oncall/overrides/sre-8-hour/\d+/delete)"', page)
    assert removal and "swap" in page
    assert browser.post(removal.group(1), {}).status_code == 303
    assert "/oncall/overrides/sre-8-hour/" not in browser.get("/oncall").text
    assert (
        browser.post("/oncall/handoffs", {"role": "eoc", "text": "silenced the noisy disk alert"}).status_code
        == 303
    )
    feed = browser.post("/oncall/feeds", {"kind": "person"})
    assert feed.status_code == 200 and "/ical/" in feed.text


def test_alert_group_actions_from_the_web(site: TestClient) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    fired = browser.client.post(
        "/api/v1/integrations/generic/demo-generic-webhook-key-0001",
        json={"summary": "disk full on git-3", "status": "firing", "dedup_key": "disk-git-3"},
    )
    assert fired.status_code in (200, 202), fired.text
    listing = browser.get("/alerts").text
    group_id = int(re.search(r'href="/alerts/(\d+)"', listing).group(1))  # type: ignore[union-attr]
    detail = browser.get(f"/alerts/{group_id}").text
    assert "disk full on git-3" in detail and "next step at" in detail
    assert browser.post(f"/alerts/{group_id}/actions", {"action": "page", "role": "imoc"}).status_code == 303
    assert browser.post(f"/alerts/{group_id}/actions", {"action": "page", "role": "boss"}).status_code == 422
    assert browser.post(f"/alerts/{group_id}/actions", {"action": "acknowledge"}).status_code == 303
    page = browser.get(f"/alerts/{group_id}").text
    assert "acknowledged" in page and re.search(r'<button[^>]*value="acknowledge"[^>]*disabled', page)
    bad = browser.post(f"/alerts/{group_id}/actions", {"action": "incident", "severity": "S7"})
    assert bad.status_code == 422 and "unknown severity" in bad.text
    made = browser.post(
        f"/alerts/{group_id}/actions", {"action": "incident", "severity": "S3", "title": "Git disk full"}
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/incidents/")
    assert f"alert group #{group_id}" in browser.get(made.headers["location"]).text


def test_incident_page_pages_the_imoc_edits_the_working_document_and_previews_safely(
    site: TestClient,
) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    made = browser.post("/incidents", {"title": "Queue backlog", "severity": "S3"})
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    page = browser.get(path).text
    assert "Working document" in page and "<h3>Incident #1: Queue backlog</h3>" in page
    assert browser.post(f"{path}/actions", {"action": "page", "value": "imoc"}).status_code == 303
    assert "the IMOC is already paged (alert group #1)" in browser.get(path).text
    table = "# Findings\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    assert browser.post(f"{path}/document", {"body": table, "base_version": "1"}).status_code == 303
    page = browser.get(path).text
    assert "<table>" in page and "Version 2" in page
    stale = browser.post(f"{path}/document", {"body": "mine", "base_version": "1"})
    assert (
        stale.status_code == 409 and "version 2 by amara" in stale.text and ">mine</textarea>" in stale.text
    )
    preview = browser.post(f"{path}/document/preview", {"body": "**bold** <script>x()</script>"})
    assert "<strong>bold</strong>" in preview.text and "<script>" not in preview.text
    assert "<h3>Findings</h3>" in browser.get(path).text, "document headings sit below the page's"


def test_engaging_a_role_outside_ones_team_is_disabled_on_the_incident_page_with_the_reason(
    site: TestClient,
) -> None:
    owner = Browser(site)
    owner.sign_in("amara")
    location = owner.post("/incidents", {"title": "Git pushes hang", "severity": "S3"}).headers["location"]
    lukas = Browser(site)
    lukas.sign_in("lukas")  # an SRE: the EOC's team, not the incident managers' nor communications'
    page = lukas.get(location).text
    why = "lukas is not in SRE Managers (roles.imoc.team: sre-managers): only its members hold the IMOC role"
    imoc = re.search(r'<button[^>]*name="action" value="engage"[^>]*>Engage as IMOC</button>', page)
    assert imoc and "disabled" in imoc.group(0) and f'title="{why}"' in imoc.group(0)
    assert f'<span class="reason" id="why-engage-imoc">{why}</span>' in page
    cmoc = re.search(r'<button[^>]*value="engage"[^>]*>Engage as CMOC</button>', page)
    assert cmoc and "disabled" in cmoc.group(0) and "roles.cmoc.team: communications" in cmoc.group(0)
    eoc = re.search(r'<button[^>]*value="engage"[^>]*>Engage as EOC</button>', page)
    assert eoc and "disabled" not in eoc.group(0), "his own team's role stays open"
    # a hand-made POST is refused all the same, and nothing changes
    refused = lukas.post(location + "/actions", {"action": "engage", "value": "imoc"})
    assert refused.status_code == 403 and why in refused.text
    assert lukas.post(location + "/actions", {"action": "engage", "value": "eoc"}).status_code == 303
