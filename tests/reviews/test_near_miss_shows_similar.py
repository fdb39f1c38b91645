"""Filing a near miss shows what was seen before, as declaring does: the web near-miss form (as the
title is typed and services ticked), `onwatch near-miss file` (right after) and POST
/api/v1/near-misses (its `similar`) list the past incidents and near misses most like it, with
their reviews and open corrective actions; a confidential incident only to its circle."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory, client_factory
from tests.cli_helpers import Cli
from tests.reviews.helpers import ok, resolved_incident
from tests.web_helpers import Browser

SECRET = "Signing key exfiltrated"


def past_checkout_incident(as_: ClientFactory, clock: FakeClock) -> tuple[int, int]:
    """'Checkout errors', a resolved S2 on web, whose review has an open corrective action."""
    past = resolved_incident(as_, clock, "S2", service="web")
    lukas = as_("lukas")
    rid = int(ok(lukas.get(f"/api/v1/incidents/{past}/review"))["id"])
    ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Retry the payment provider"}), 201)
    return past, rid


def confidential_incident(as_: ClientFactory) -> int:
    """amara's security incident: its circle is amara (and whoever holds a role on it)."""
    declared = ok(
        as_("amara").post(
            "/api/v1/incidents",
            json={"title": SECRET, "severity": "S3", "services": ["web"], "security": True},
        ),
        201,
    )
    return int(declared["id"])


def file(as_: ClientFactory, person: str, title: str, services: list[str]) -> dict[str, Any]:
    body = {"title": title, "severity": "S3", "services": services}
    filed: dict[str, Any] = ok(as_(person).post("/api/v1/near-misses", json=body), 201)
    return filed


def shown(similar: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(s["kind"], s["id"]) for s in similar]


def test_filing_a_near_miss_answers_with_the_past_incidents_and_near_misses_like_it(
    as_: ClientFactory, clock: FakeClock
) -> None:
    past, rid = past_checkout_incident(as_, clock)
    first = file(as_, "lukas", "Checkout errors nearly hit the EU shop", ["api"])
    assert shown(first["similar"]) == [("incident", past)]
    seen = first["similar"][0]
    assert (seen["title"], seen["why"], seen["review_id"]) == ("Checkout errors", ["similar text"], rid)
    assert [a["title"] for a in seen["open_actions"]] == ["Retry the payment provider"]
    assert first["kind"] == "near_miss" and first["title"] == "Checkout errors nearly hit the EU shop"
    # the next one like it finds the incident and the first near miss, never itself
    second = file(as_, "aiko", "Checkout errors again, caught by the canary", ["api"])
    assert shown(second["similar"]) == [("near_miss", first["id"]), ("incident", past)]
    assert second["similar"][0]["why"] == ["similar text", "the same service"]
    unlike = file(as_, "aiko", "Wrong flag in staging", [])
    assert unlike["similar"] == []


def test_the_near_miss_form_shows_past_incidents_like_the_one_being_typed(
    site: TestClient, onwatch: Onwatch, clock: FakeClock
) -> None:
    past, rid = past_checkout_incident(client_factory(site, onwatch.db, clock), clock)
    lukas = Browser(site)
    lukas.sign_in("lukas")
    form = lukas.get("/reviews").text
    near_miss_form = form[form.index('id="nm-form"') :]
    assert 'hx-get="/similar-incidents"' in near_miss_form and "from:#nm-title" in near_miss_form
    assert '<input type="checkbox" name="services" value="web">' in near_miss_form
    typed = lukas.get("/similar-incidents?title=Checkout+errors+nearly+hit+the+EU+shop").text
    assert f'<a href="/incidents/{past}">#{past} Checkout errors</a>' in typed
    assert f'<a href="/reviews/{rid}">review #{rid}</a>' in typed
    assert "open corrective action: Retry the payment provider" in typed
    filed = lukas.post(
        "/near-misses",
        {"title": "Checkout errors nearly hit the EU shop", "severity": "S3", "services": "api"},
    )
    assert filed.status_code == 303
    near_miss = int(filed.headers["location"].rsplit("/", 1)[1])
    # the next reporter typing the same words sees the near miss filed as well
    again = lukas.get("/similar-incidents?title=Checkout+errors+again&services=api").text
    assert f'<a href="/reviews/{near_miss}">near miss: Checkout errors nearly hit the EU shop</a>' in again


def test_onwatch_near_miss_file_prints_what_was_seen_before(
    as_: ClientFactory, clock: FakeClock, cli: Cli
) -> None:
    past, rid = past_checkout_incident(as_, clock)
    filed = cli(
        "near-miss", "file", "Checkout errors nearly hit the EU shop", "--service", "api", "--as", "lukas"
    )
    assert filed.exit_code == 0, filed.output
    lines = filed.output.splitlines()
    seen = lines.index("Seen before (most similar first):")
    assert "Checkout errors nearly hit the EU shop" in lines[0] and seen == 1
    assert lines[seen + 1] == f"  incident #{past} Checkout errors; review #{rid} Draft — similar text"
    assert lines[seen + 2].startswith("      open action #1 Retry the payment provider (owner lukas, due ")
    assert len(lines) == seen + 3  # not itself
    alone = cli("near-miss", "file", "Wrong flag in staging", "--as", "lukas")
    assert alone.exit_code == 0 and "Seen before" not in alone.output


def test_a_confidential_incident_is_seen_before_only_by_its_circle(
    site: TestClient, onwatch: Onwatch, clock: FakeClock, cli: Cli
) -> None:
    as_ = client_factory(site, onwatch.db, clock)
    secret = confidential_incident(as_)
    title = "Signing key nearly exfiltrated from web"
    # outside the circle: lukas, on the API, the CLI and the web form
    by_lukas = file(as_, "lukas", title, ["web"])
    assert ("incident", secret) not in shown(by_lukas["similar"])
    assert SECRET not in str(by_lukas["similar"])
    printed = cli("near-miss", "file", title, "--service", "web", "--as", "lukas")
    assert printed.exit_code == 0, printed.output
    assert SECRET not in printed.output and f"incident #{secret}" not in printed.output
    lukas = Browser(site)
    lukas.sign_in("lukas")
    fragment = lukas.get("/similar-incidents?title=Signing+key+nearly+exfiltrated&services=web").text
    assert SECRET not in fragment and f"/incidents/{secret}" not in fragment
    # its circle sees it, everywhere (the lists look at real data)
    by_amara = file(as_, "amara", title, ["web"])
    assert shown(by_amara["similar"])[0] == ("incident", secret)
    assert by_amara["similar"][0]["why"] == ["similar text", "the same service"]
    printed = cli("near-miss", "file", title, "--service", "web", "--as", "amara")
    assert f"  incident #{secret} {SECRET} — similar text, the same service" in printed.output.splitlines()
    amara = Browser(site)
    amara.sign_in("amara")
    fragment = amara.get("/similar-incidents?title=Signing+key+nearly+exfiltrated&services=web").text
    assert f'<a href="/incidents/{secret}">#{secret} {SECRET}</a>' in fragment
