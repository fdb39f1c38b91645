"""Declaring shows what was seen before: the web declare form (as the title is typed and services
ticked, before declaring) and `onwatch declare` (right after) list the past incidents and near
misses most like the new one, with their reviews and open corrective actions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory, client_factory
from tests.cli_helpers import Cli
from tests.reviews.helpers import ok, resolved_incident
from tests.web_helpers import Browser


def past_git_incident(as_: ClientFactory, clock: FakeClock) -> tuple[int, int, str]:
    """A resolved S2 on git whose review has one open corrective action (and one done)."""
    past = resolved_incident(as_, clock, "S2", service="git")
    lukas = as_("lukas")
    rid = ok(lukas.get(f"/api/v1/incidents/{past}/review"))["id"]
    ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Shard the git storage"}), 201)
    done = ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Page on disk at 80%"}), 201)
    ok(lukas.patch(f"/api/v1/corrective-actions/{done['id']}", json={"status": "done"}))
    return past, rid, "Shard the git storage"


def test_the_declare_form_shows_past_incidents_like_the_one_being_typed(
    site: TestClient, onwatch: Onwatch, clock: FakeClock
) -> None:
    past, rid, open_action = past_git_incident(client_factory(site, onwatch.db, clock), clock)
    amara = Browser(site)
    amara.sign_in("amara")
    empty = amara.get("/incidents/new")
    assert empty.status_code == 200 and "Seen before" not in empty.text
    assert 'hx-get="/similar-incidents"' in empty.text
    typed = amara.get("/similar-incidents?title=Checkout+is+failing&services=web").text
    assert f'<a href="/incidents/{past}">#{past} Checkout errors</a>' in typed
    assert "(similar text)" in typed
    ticked = amara.get("/similar-incidents?title=Pushes+hang&services=git").text
    assert "(the same service)" in ticked and f'<a href="/reviews/{rid}">review #{rid}</a>' in ticked
    assert f"open corrective action: {open_action}" in ticked and "Page on disk at 80%" not in ticked
    unlike = amara.get("/similar-incidents?title=Login+slow&services=api").text
    assert "No similar past incidents or near misses." in unlike
    assert amara.get("/similar-incidents").text == ""  # nothing typed yet
    # filled in from a link, and kept when the form comes back with an error
    linked = amara.get("/incidents/new?title=Git+pushes+hang&services=git").text
    assert 'value="Git pushes hang"' in linked and f"#{past} Checkout errors" in linked
    refused = amara.post("/incidents", {"title": "Git pushes hang", "severity": "S9", "services": "git"})
    assert refused.status_code == 422 and f"#{past} Checkout errors" in refused.text
    # declared: the incident page asks for the same list, now about the incident itself
    declared = amara.post("/incidents", {"title": "Git pushes hang", "severity": "S3", "services": "git"})
    assert declared.status_code == 303
    new = declared.headers["location"]
    assert f'hx-get="{new}/similar"' in amara.get(new).text
    assert f"#{past} Checkout errors" in amara.get(f"{new}/similar").text


def test_the_similar_list_of_the_declare_form_needs_a_sign_in(site: TestClient) -> None:
    answer = site.get("/similar-incidents?title=Checkout", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_onwatch_declare_prints_the_past_incidents_like_the_new_one(
    as_: ClientFactory, clock: FakeClock, cli: Cli
) -> None:
    past, rid, open_action = past_git_incident(as_, clock)
    declared = cli("declare", "Git pushes hang", "--service", "git", "--as", "amara")
    assert declared.exit_code == 0, declared.output
    lines = declared.output.splitlines()
    seen = lines.index("Seen before (most similar first):")
    assert lines[seen + 1] == f"  incident #{past} Checkout errors; review #{rid} Draft — the same service"
    assert lines[seen + 2].startswith(f"      open action #1 {open_action} (owner lukas, due ")
    alone = cli("declare", "Login slow", "--service", "api", "--as", "amara")
    assert alone.exit_code == 0 and "Seen before" not in alone.output
