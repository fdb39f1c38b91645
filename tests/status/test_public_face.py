"""The public sees what the CMOC publishes (PROCESS.md §9): the status page shows the public title
(a neutral "Investigating issues with <components>" by default), never the internal title, names
or alert labels; only the severities the config shows, once the first public update is out;
resolving posts a final "Resolved" update, which the CMOC may edit. HTML, feeds and JSON alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.incidents.commands import IncidentCommands
from onwatch.kernel.enums import Interface, Role, Severity
from onwatch.kernel.errors import NotOwner
from onwatch.kernel.timeline import Actor

AMARA = Actor.person("amara", Interface.API)
LUKAS = Actor.person("lukas", Interface.API)
SOFIA = Actor.person("sofia", Interface.API)
INTERNAL = "Lukas's deploy 4411 broke checkout for ACME-CORP"
FEEDS = ("/status", "/status/feed.rss", "/status/feed.atom", "/status/api/v2/summary.json",
         "/status/api/v2/incidents.json", "/status/api/v2/incidents/unresolved.json")  # fmt: skip


@pytest.fixture
def app(onwatch: Onwatch, org: OnwatchConfig) -> FastAPI:
    api = onwatch.api()
    api.state.status_cache.ttl = 0
    return api


@pytest.fixture
def public(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def everywhere(public: TestClient) -> str:
    return "\n".join(public.get(path).text for path in FEEDS)


def test_the_status_page_shows_a_neutral_default_title_never_the_internal_one(
    public: TestClient, incidents: IncidentCommands
) -> None:
    incident = incidents.declare(AMARA, title=INTERNAL, severity=Severity.S2, services=["git", "web"])
    assert incident.id is not None
    incidents.post_update(incident.id, "Some pushes fail; we are on it.", AMARA)
    shown = everywhere(public)
    assert "Investigating issues with Git, Web" in shown
    assert "4411" not in shown and "ACME-CORP" not in shown and "Lukas" not in shown and "amara" not in shown
    assert "Investigating issues with Git, Web" in public.get(f"/status/incidents/{incident.id}").text


def test_the_cmoc_sets_the_public_title_and_others_may_not(
    public: TestClient, incidents: IncidentCommands
) -> None:
    incident = incidents.declare(AMARA, title=INTERNAL, severity=Severity.S2, services=["web"])
    assert incident.id is not None
    incidents.post_update(incident.id, "Checkout fails for some customers.", AMARA)
    with pytest.raises(NotOwner, match="only the CMOC or the owner, amara, can set the public title"):
        incidents.set_public_title(incident.id, "Checkout errors", LUKAS)
    incidents.engage_role(incident.id, Role.CMOC, SOFIA)
    incidents.set_public_title(incident.id, "Checkout errors for some customers", SOFIA)
    assert "Checkout errors for some customers" in everywhere(public)


def test_nothing_shows_before_the_first_public_update_and_s4_never(
    public: TestClient, incidents: IncidentCommands
) -> None:
    s3 = incidents.declare(AMARA, title="Registry slow", severity=Severity.S3, services=["registry"])
    s4 = incidents.declare(AMARA, title="Pages typo", severity=Severity.S4, services=["pages"])
    assert s3.id is not None and s4.id is not None
    assert "Investigating issues with Registry" not in everywhere(public), "nothing public yet"
    incidents.post_update(s3.id, "Pulls are slow.", AMARA)
    incidents.post_update(s4.id, "A typo.", AMARA)
    shown = everywhere(public)
    assert "Investigating issues with Registry" in shown
    assert "Investigating issues with Pages" not in shown and "A typo." not in shown


def test_resolving_posts_a_final_resolved_update_that_the_owner_may_edit(
    public: TestClient, incidents: IncidentCommands
) -> None:
    incident = incidents.declare(AMARA, title=INTERNAL, severity=Severity.S3, services=["api"])
    assert incident.id is not None
    incidents.post_update(incident.id, "API errors for some requests.", AMARA)
    incidents.resolve(incident.id, AMARA)
    [final, _first] = incidents.updates(incident.id)
    assert final.body.startswith("Resolved") and final.state.value == "resolved"
    assert final.body in public.get(f"/status/incidents/{incident.id}").text
    assert final.id is not None
    incidents.edit_update(incident.id, final.id, "Resolved: a bad config change was rolled back.", AMARA)
    assert "a bad config change was rolled back" in everywhere(public)
    with pytest.raises(NotOwner):
        incidents.edit_update(incident.id, final.id, "hello", LUKAS)
