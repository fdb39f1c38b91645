"""Every output that names an incident keeps a confidential one from anyone outside its circle.

One security incident (its title `SECRET`) with role pages, an attached monitoring group, notes,
escalations that ran for an hour, an acknowledgement, a state change, then resolved with its review;
then each way onwatch shows or sends anything, read by a viewer
(ben, `access: viewer`, and a viewer token) and by a responder outside the circle (lukas, an SRE):

- API, every GET operation of the OpenAPI document, every id filled in (incidents, their timelines,
  updates and documents; alert groups and role pages with their timelines; people; services and their
  SLOs; on-call, gaps, schedules, shifts, overrides, handoffs; maintenance; reviews and their
  versions, corrective actions; timers; search for the incident's words): nothing names the
  incident, details answer 404.
- Web UI: the dashboard, the alert lists (every status), the alert and incident pages (404), the
  live fragment, the document, "similar incidents" of a public one with the same words, on-call,
  search, the review list and its CSV export, the review page, its Markdown export and print page.
- Chat: replies about the incident are ephemeral and refused outside the circle
  (tests/chat/test_chat_access.py); `oncall` and `handoff` name no incident.
- CLI: `incident list|show`, `alerts list|show` with `--as PERSON` (or `ONWATCH_AS`) apply the
  person's level and circle; acting commands refuse a viewer and an incident outside the circle.
- Exports and feeds: the public status page (HTML, RSS, Atom and its JSON API), iCalendar feeds.
- Notifications: every message delivered to a person outside the circle or to a channel other than
  the incident managers' names no confidential incident (escalation steps that post to a general
  channel carry "confidential incident #N", never its title); the weekly reports digest counts the
  incident (and names its alert rule among the noisiest) only in the email of someone in the circle.
- `/metrics`: no label carries an incident's title.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from typer.testing import CliRunner, Result

from onwatch.bootstrap import Onwatch
from onwatch.cli import context
from onwatch.cli.main import app
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.directory.tokens import TokenRole
from tests.api_helpers import token_for
from tests.live import LiveServer
from tests.paging_helpers import PagingBench
from tests.process_helpers import demo_everyone_on_webhook, process_bench
from tests.receivers import SmtpSink, WebhookSink
from tests.web.test_web_access import LiveBrowser
from tests.web_helpers import set_passwords

SECRET = "Signing key exfiltrated ZX-CONFIDENTIAL"
OUTSIDERS = ("ben", "lukas")


class Scene:
    """The security incident after an hour, on a live server."""

    def __init__(self, bench: PagingBench, url: str) -> None:
        self.bench, self.url = bench, url
        self.clients: list[httpx.Client] = []
        owner = self.api("amara")
        declared = owner.post(
            "/api/v1/incidents",
            json={"title": SECRET, "severity": "S2", "services": ["web"], "security": True},
        )
        assert declared.status_code == 201, declared.text
        self.incident = int(declared.json()["id"])
        owner.post(f"/api/v1/incidents/{self.incident}/notes", json={"text": f"note about {SECRET}"})
        bench.fire("KeyUse-ZX-CONFIDENTIAL", fingerprint="fp-secret", service="web")  # its alerts name it too
        self.monitoring = bench.group_of("fp-secret")
        attached = owner.post(
            f"/api/v1/alert-groups/{self.monitoring}/attach", json={"incident_id": self.incident}
        )
        assert attached.status_code == 200, attached.text
        # "flappy" opens a follow-up for the alert rule, titled like the group: it names the secret
        flappy = owner.post(
            f"/api/v1/alert-groups/{self.monitoring}/feedback",
            json={"choice": "flappy", "comment": f"{SECRET} flaps"},
        )
        assert flappy.status_code in (200, 201), flappy.text
        self.follow_ups = [str(flappy.json()["follow_up"]["id"])]
        for _ in range(6):  # nobody acknowledges: every escalation step runs
            bench.advance(10)
        # the owner acknowledges the alerts' page (for S1/S2, "joining" is posted) and moves it on
        assert owner.post(f"/api/v1/alert-groups/{self.monitoring}/acknowledge").status_code == 200
        assert owner.post(f"/api/v1/incidents/{self.incident}/state", json={"state": "identified"}).is_success
        bench.advance(1)
        # similar to it by its words: search and "similar incidents" must not bring the secret up
        public = owner.post("/api/v1/incidents", json={"title": "Signing key service slow", "severity": "S4"})
        self.public = int(public.json()["id"])
        resolved = owner.post(f"/api/v1/incidents/{self.incident}/resolve")
        assert resolved.status_code == 200, resolved.text  # an S2 resolved: its review is created
        bench.advance(1)
        reviews = self.api(None, TokenRole.ADMIN).get("/api/v1/reviews").json()
        self.reviews = [str(r["id"]) for r in reviews]
        assert self.reviews, "the resolved S2 incident has its review"
        groups = self.api(None, TokenRole.ADMIN).get("/api/v1/alert-groups").json()
        self.groups = [int(g["id"]) for g in groups if g["incident_id"] == self.incident]
        assert len(self.groups) >= 3, groups  # the IMOC's and the security on-call's pages, the alerts

    def api(self, person: str | None, role: TokenRole = TokenRole.RESPONDER) -> httpx.Client:
        token = token_for(self.bench.db, self.bench.clock, role, person)
        client = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        self.clients.append(client)
        return client

    def outsiders(self) -> Iterator[tuple[str, httpx.Client]]:
        yield "viewer token", self.api(None, TokenRole.VIEWER)
        yield "ben (viewer)", self.api("ben", TokenRole.VIEWER)
        yield "lukas (responder)", self.api("lukas")


@pytest.fixture
def scene(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[Scene]:
    bench = process_bench(onwatch, webhook_sink, smtp_sink)
    text = demo_everyone_on_webhook(webhook_sink)
    text = text.replace("ben:    {name: Ben Carter,", "ben:    {name: Ben Carter, access: viewer,")
    # the director's step also posts to the general #production channel
    text = text.replace(
        "[{person: grace}, {channel: incident_management}]",
        "[{person: grace}, {channel: incident_management}, {channel: production}]",
    )
    assert "{channel: production}" in text and "access: viewer" in text
    apply_config(onwatch.db, load_config(text), now=onwatch.clock.now(), applied_by="tests")
    set_passwords(onwatch.db, onwatch.clock, "ben", "lukas", "amara")
    bench.api = httpx.Client(base_url="http://unused")
    with LiveServer(bench.app) as server:
        bench.api = httpx.Client(base_url=server.url, timeout=30)
        the_scene = Scene(bench, server.url)
        yield the_scene
        for client in the_scene.clients:
            client.close()
        bench.api.close()


def _get_paths(scene: Scene) -> list[str]:
    """Every GET operation of the OpenAPI document with each id it can take."""
    spec = httpx.get(f"{scene.url}/openapi.json", timeout=60).json()
    admin = scene.api(None, TokenRole.ADMIN)
    values: dict[str, list[str]] = {
        "incident_id": [str(scene.incident)],
        "group_id": [str(g) for g in scene.groups],
        "person_id": ["amara", "omar", "nadia", "lukas", "ben"],
        "service_id": ["web"],
        "schedule_id": [s["id"] for s in admin.get("/api/v1/schedules").json()],
        "review_id": scene.reviews,
        "follow_up_id": scene.follow_ups,
    }
    paths: list[str] = []
    for template, operations in spec["paths"].items():
        if "get" not in operations or template in ("/healthz", "/readyz"):
            continue
        names = re.findall(r"{(\w+)}", template)
        filled = [template]
        for name in names:
            assert name in values, f"no ids for {{{name}}} in {template}: add them to the audit"
            filled = [p.replace(f"{{{name}}}", v) for p in filled for v in values[name]]
        paths += filled
    return [
        *paths,
        "/api/v1/alert-groups?status=triggered",
        "/api/v1/incidents?active=false",
        "/api/v1/search?q=signing",
        "/api/v1/search?q=ZX-CONFIDENTIAL",
        "/api/v1/search?q=key",
    ]


def _leaks(text: str) -> bool:
    return SECRET in text or "ZX-CONFIDENTIAL" in text


def test_no_api_operation_names_a_confidential_incident_to_anyone_outside_its_circle(scene: Scene) -> None:
    paths = _get_paths(scene)
    assert len(paths) > 30, paths
    owner = scene.api("amara")
    assert any(_leaks(owner.get(p).text) for p in paths), "the owner sees it (the audit looks at real data)"
    for who, client in scene.outsiders():
        for path in paths:
            response = client.get(path)
            assert response.status_code < 500, (who, path, response.text)
            assert not _leaks(response.text), (who, path, response.text[:500])


def test_no_web_page_names_a_confidential_incident_to_anyone_outside_its_circle(scene: Scene) -> None:
    pages = ["/", "/alerts", "/alerts?status=all", "/oncall", f"/incidents/{scene.incident}"]
    pages += [f"/incidents/{scene.incident}/live", *(f"/alerts/{g}" for g in scene.groups)]
    pages += [f"/incidents/{scene.incident}/document", f"/incidents/{scene.public}/similar"]
    pages += [f"/incidents/{scene.public}", "/reviews", "/reviews.csv", "/search?q=signing"]
    pages += ["/reports/noise", "/reports/noise.csv", "/reports/load"]
    pages += ["/similar-incidents?title=Signing+key+exfiltrated&services=web"]  # the declare form's
    for review in scene.reviews:
        pages += [f"/reviews/{review}", f"/reviews/{review}/export.md", f"/reviews/{review}/print"]
    amara = LiveBrowser(scene.url)
    amara.sign_in("amara")
    assert _leaks(amara.get("/").text)
    for person in OUTSIDERS:
        browser = LiveBrowser(scene.url)
        browser.sign_in(person)
        for page in pages:
            response = browser.get(page)
            assert response.status_code in (200, 404), (person, page, response.status_code)
            assert not _leaks(response.text), (person, page)
        browser.client.close()
    amara.client.close()


def test_the_status_page_its_feeds_and_metrics_name_no_confidential_incident(scene: Scene) -> None:
    for path in (
        "/status",
        "/status/feed.rss",
        "/status/feed.atom",
        "/status/api/v2/summary.json",
        "/status/api/v2/incidents.json",
        "/status/api/v2/incidents/unresolved.json",
        "/status/api/v2/components.json",
        "/status/api/v2/status.json",
        f"/status/incidents/{scene.incident}",
        "/metrics",
    ):
        response = httpx.get(f"{scene.url}{path}", timeout=30)
        assert response.status_code in (200, 404), path
        assert not _leaks(response.text), path


def test_calendar_feeds_name_no_incident(scene: Scene) -> None:
    lukas = scene.api("lukas")
    made = lukas.post("/api/v1/people/lukas/feeds")
    assert made.status_code == 201, made.text
    feed = httpx.get(str(made.json()["url"]).replace("http://127.0.0.1:8080", scene.url), timeout=30)
    assert feed.status_code == 200 and "BEGIN:VCALENDAR" in feed.text
    assert not _leaks(feed.text)


def _delivered(scene: Scene) -> list[tuple[str, str]]:
    """(recipient, body) of every delivery a loopback receiver took."""
    found = []
    for r in scene.bench.webhook.requests:
        match = re.search(r"to=([\w-]+)", r.path)
        found.append((match.group(1) if match else r.path, str(r.json)))
    return found


def test_notifications_name_a_confidential_incident_only_to_its_circle(scene: Scene) -> None:
    delivered = _delivered(scene)
    to_production = [body for to, body in delivered if to == "production"]
    assert to_production, "the director's step posted to the general channel"
    assert any(f"#{scene.incident}" in body for body in to_production), "it says which incident, by number"
    circle_channel = [body for to, body in delivered if to == "incident-management"]
    assert any(_leaks(body) for body in circle_channel), "the incident managers read the title"
    admin = scene.api(None, TokenRole.ADMIN)
    people = [p["id"] for p in admin.get("/api/v1/people").json()]
    for to, body in delivered:
        if to in ("incident-management",):
            continue
        if to in people:
            sees = scene.api(to).get(f"/api/v1/incidents/{scene.incident}").status_code == 200
            if sees:
                continue
        assert not _leaks(body), (to, body[:300])


def test_the_weekly_digest_counts_a_confidential_incident_only_for_its_circle(scene: Scene) -> None:
    bench = scene.bench
    text = demo_everyone_on_webhook(bench.webhook)
    text = text.replace("ben:    {name: Ben Carter,", "ben:    {name: Ben Carter, access: viewer,")
    text = text.replace(
        "to: [nadia], channel: incident_management}", "to: [nadia, lukas, ben], channel: production}"
    )
    assert "to: [nadia, lukas, ben]" in text
    apply_config(bench.db, load_config(text), now=bench.clock.now(), applied_by="tests")
    bench.clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # Monday 09:00 in London
    bench.worker.run_once()
    mails = {
        m.rcpt_tos[0].split("@")[0]: m.part("text/plain")
        for m in bench.smtp.mails
        if "Week " in str(m.message["Subject"])
    }
    assert set(mails) == {"nadia", "lukas", "ben"}
    assert _leaks(mails["nadia"]), (
        "an incident manager's digest names the rule (the audit looks at real data)"
    )
    assert not _leaks(mails["lukas"]) and not _leaks(mails["ben"])
    posted = [body for to, body in _delivered(scene) if to == "production" and "Noisiest alert rules" in body]
    assert len(posted) == 1 and not _leaks(posted[0])


Cli = Callable[..., Result]


@pytest.fixture
def cli(scene: Scene, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """`onwatch ...` in this process, on the scene's database (the CLI builds onwatch from the
    environment, as in a shell)."""
    monkeypatch.setenv("ONWATCH_DATABASE_URL", database_url)
    for name in ("ONWATCH_AS", "ONWATCH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    context.onwatch.cache_clear()
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), env=env)

    yield run
    context.onwatch().db.dispose()
    context.onwatch.cache_clear()


def test_the_cli_shows_a_confidential_incident_only_to_its_circle(scene: Scene, cli: Cli) -> None:
    iid, groups = scene.incident, scene.groups
    for person in ("omar", "amara"):  # the security team, the owner
        assert SECRET in cli("incident", "list", "--all", "--as", person).output, person
        assert SECRET in cli("alerts", "list", "--as", person).output, person
    assert SECRET in cli("incident", "list", "--all").output, "the operator at the database sees everything"
    viewer = token_for(scene.bench.db, scene.bench.clock, TokenRole.VIEWER, "ben")
    for identity, env in (
        (["--as", "lukas"], None),
        (["--as", "ben"], None),
        ([], {"ONWATCH_AS": "lukas"}),
        ([], {"ONWATCH_TOKEN": viewer}),
    ):
        for args in (["incident", "list", "--all"], ["alerts", "list"]):
            result = cli(*args, *identity, env=env)
            assert result.exit_code == 0 and not _leaks(result.output), (args, identity, env)
        shown = cli("incident", "show", str(iid), *identity, env=env)
        assert shown.exit_code == 1 and f"incident {iid} does not exist" in shown.output, identity
        for group in groups:
            shown = cli("alerts", "show", str(group), *identity, env=env)
            assert shown.exit_code == 1 and not _leaks(shown.output), (group, identity)
        for review in scene.reviews:  # its review is as confidential as the incident
            shown = cli("review", "show", review, *identity, env=env)
            assert shown.exit_code == 1 and not _leaks(shown.output), (review, identity)
        found = cli("review", "search", "ZX-CONFIDENTIAL signing key", *identity, env=env)
        assert found.exit_code == 0 and not _leaks(found.output), identity
        like = cli("review", "similar", str(scene.public), *identity, env=env)
        assert like.exit_code == 0 and not _leaks(like.output), identity
        assert cli("review", "similar", str(iid), *identity, env=env).exit_code == 1
    found = cli("review", "search", "ZX-CONFIDENTIAL signing key", "--as", "amara")
    assert _leaks(found.output), "the owner finds it (the search looks at real data)"


def test_the_cli_lets_no_viewer_act_and_nobody_outside_the_circle_touch_a_confidential_incident(
    scene: Scene, cli: Cli
) -> None:
    iid, group = scene.incident, scene.groups[0]
    owner = scene.api("amara")
    public = owner.post("/api/v1/incidents", json={"title": "Slow search", "severity": "S4"}).json()["id"]
    before = len(owner.get(f"/api/v1/incidents/{iid}/timeline").json())
    for args in (
        ["incident", "note", str(iid), "peeking"],
        ["incident", "state", str(iid), "identified"],
        ["incident", "engage", str(iid), "eoc"],
        ["ack", str(group)],
        ["alerts", "escalate", str(group)],
        ["alerts", "incident", str(group), "--attach", str(public)],
    ):
        result = cli(*args, "--as", "lukas")
        assert result.exit_code == 1 and "does not exist" in result.output, (args, result.output)
        assert not _leaks(result.output)
    refused = cli("incident", "note", str(public), "a viewer's note", "--as", "ben")
    assert refused.exit_code == 1 and "ben's access is viewer" in refused.output, refused.output
    assert cli("declare", "Viewer declared", "--as", "ben").exit_code == 1
    assert len(owner.get(f"/api/v1/incidents/{iid}/timeline").json()) == before, "nothing landed"
    assert cli("incident", "note", str(iid), "the IMOC is on it", "--as", "nadia").exit_code == 0
    assert cli("incident", "note", str(public), "seen", "--as", "lukas").exit_code == 0
