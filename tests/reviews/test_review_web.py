"""The review pages: written and completed from the web UI, refused actions disabled with the
rule's message, the print page and the CSV list."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import client_factory
from tests.reviews.helpers import ok, resolved_incident
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    set_passwords(onwatch.db, onwatch.clock, "lukas", "amara", "nadia")
    with TestClient(onwatch.api()) as site:
        yield site


def test_a_review_is_written_and_completed_from_the_web(
    site: TestClient, onwatch: Onwatch, clock: FakeClock
) -> None:
    n = resolved_incident(client_factory(site, onwatch.db, clock), clock)
    review = onwatch.reviews.for_incident(n)
    assert review is not None and review.started_at is None
    lukas = Browser(site)
    lukas.sign_in("lukas")
    page = lukas.get(f"/reviews/{review.id}")
    assert page.status_code == 200 and "Review #1: Checkout errors" in page.text
    assert onwatch.reviews.get(review.id or 0).started_at is not None  # the owner opened it
    assert "Minutes of impact" in page.text
    preview = lukas.post(
        f"/reviews/{review.id}/preview",
        {"section": "summary", "section_summary": "**40 minutes** <script>x</script>"},
    )
    assert "<strong>40 minutes</strong>" in preview.text and "<script>" not in preview.text
    saved = lukas.post(
        f"/reviews/{review.id}/sections", {"base_version": "1", "section_summary": "Checkout failed."}
    )
    assert saved.status_code == 303
    stale = lukas.post(f"/reviews/{review.id}/sections", {"base_version": "1", "section_summary": "Mine."})
    assert stale.status_code == 409 and "was saved since version 1" in stale.text and "Mine." in stale.text
    refused = lukas.get(f"/reviews/{review.id}").text
    assert 'id="why-complete"' not in refused  # lukas owns it: he may complete
    amara = Browser(site)
    amara.sign_in("amara")
    theirs = amara.get(f"/reviews/{review.id}").text
    assert "only the owner, lukas, or the IMOC, nadia, can complete this review" in theirs
    added = lukas.post(
        f"/reviews/{review.id}/corrective-actions",
        {"title": "Alert on checkout 5xx", "owner": "", "due": "", "link": ""},
    )
    assert added.status_code == 303
    done = lukas.post(
        f"/reviews/{review.id}/workflow",
        {
            "action": "complete",
            "category": "Software-Change",
            "final_severity": "S1",
            "no_actions_reason": "",
        },
    )
    assert done.status_code == 303
    shown = lukas.get(f"/reviews/{review.id}").text
    assert "Completed" in shown and "Incident::Review-Completed" in shown
    printed = lukas.get(f"/reviews/{review.id}/print").text
    assert "Checkout failed." in printed and "Alert on checkout 5xx" in printed
    listed = lukas.get("/reviews.csv")
    assert listed.headers["content-type"].startswith("text/csv")
    assert listed.text.splitlines()[1].startswith("1,incident,1,Checkout errors,S1,completed,lukas,nadia,")


def test_overdue_reviews_show_on_the_dashboard(site: TestClient, onwatch: Onwatch, clock: FakeClock) -> None:
    from datetime import timedelta

    resolved_incident(client_factory(site, onwatch.db, clock), clock)
    nadia = Browser(site)
    nadia.sign_in("nadia")
    assert "Overdue reviews" not in nadia.get("/").text
    clock.advance(timedelta(days=15))
    nadia.sign_in("nadia")  # the session ran out meanwhile
    assert "Overdue reviews (1)" in nadia.get("/").text
    assert (
        ok(client_factory(site, onwatch.db, clock)("nadia").get("/api/v1/reviews?overdue=true"))[0]["overdue"]
        is True
    )


def test_the_incident_page_shows_similar_past_incidents_and_reviews_are_searchable(
    site: TestClient, onwatch: Onwatch, clock: FakeClock
) -> None:
    as_ = client_factory(site, onwatch.db, clock)
    past = resolved_incident(as_, clock, service="git")
    rid = ok(as_("lukas").get(f"/api/v1/incidents/{past}/review"))["id"]
    ok(as_("lukas").post(f"/api/v1/reviews/{rid}/actions", json={"title": "Shard the git storage"}), 201)
    new = ok(
        as_("amara").post(
            "/api/v1/incidents", json={"title": "Pushes hang", "severity": "S3", "services": ["git"]}
        ),
        201,
    )
    nadia = Browser(site)
    nadia.sign_in("nadia")
    assert f'hx-get="/incidents/{new["id"]}/similar"' in nadia.get(f"/incidents/{new['id']}").text
    fragment = nadia.get(f"/incidents/{new['id']}/similar").text
    assert "Checkout errors" in fragment and "open corrective action: Shard the git storage" in fragment
    found = nadia.get("/reviews", params={"q": "checkout"}).text
    assert f'href="/reviews/{rid}"' in found and "1 open corrective action(s)" in found
