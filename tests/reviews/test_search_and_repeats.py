"""Full-text search (PostgreSQL full-text search, SQLite FTS5) and repeat detection: a new incident
shows past incidents and near misses like it, with their reviews and open corrective actions."""

from __future__ import annotations

from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory
from tests.reviews.helpers import ok, resolved_incident


def test_declaring_on_a_service_with_a_past_review_shows_its_open_corrective_actions(
    as_: ClientFactory, clock: FakeClock
) -> None:
    past = resolved_incident(as_, clock, "S2", service="git")
    lukas = as_("lukas")
    rid = ok(lukas.get(f"/api/v1/incidents/{past}/review"))["id"]
    open_action = ok(
        lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Shard the git storage"}), 201
    )
    done = ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Page on disk at 80%"}), 201)
    ok(lukas.patch(f"/api/v1/corrective-actions/{done['id']}", json={"status": "done"}))
    ok(lukas.post(f"/api/v1/reviews/{rid}/complete", json={"category": "Saturation", "final_severity": "S2"}))
    other = ok(
        as_("maria").post(
            "/api/v1/incidents", json={"title": "Web is slow", "severity": "S4", "services": ["web"]}
        ),
        201,
    )
    new = ok(
        as_("amara").post(
            "/api/v1/incidents", json={"title": "Git pushes hang", "severity": "S3", "services": ["git"]}
        ),
        201,
    )
    similar = ok(lukas.get(f"/api/v1/incidents/{new['id']}/similar"))
    assert [s["id"] for s in similar] == [past]
    found = similar[0]
    assert (found["kind"], found["review_id"], found["category"], found["why"]) == (
        "incident",
        rid,
        "Saturation",
        ["the same service"],
    )
    assert [a["title"] for a in found["open_actions"]] == [open_action["title"]]
    assert other["id"] not in [s["id"] for s in similar]


def test_a_near_miss_on_the_same_service_and_similar_text_count_as_repeats(
    as_: ClientFactory, clock: FakeClock
) -> None:
    aiko = as_("aiko")
    near = ok(
        aiko.post(
            "/api/v1/near-misses",
            json={"title": "Registry disk nearly full", "severity": "S2", "services": ["registry"]},
        ),
        201,
    )
    past = resolved_incident(as_, clock, "S2", service="web")
    ok(
        as_("lukas").post(
            f"/api/v1/incidents/{past}/title", json={"title": "Registry uploads failing on full disk"}
        )
    )
    new = ok(
        aiko.post(
            "/api/v1/incidents",
            json={"title": "Disk full on registry", "severity": "S3", "services": ["registry"]},
        ),
        201,
    )
    similar = {(s["kind"], s["id"]): s["why"] for s in ok(aiko.get(f"/api/v1/incidents/{new['id']}/similar"))}
    assert similar[("near_miss", near["id"])] == ["similar text", "the same service"]
    assert similar[("incident", past)] == ["similar text"]


def test_search_finds_incidents_reviews_and_near_misses_by_their_words(
    as_: ClientFactory, clock: FakeClock
) -> None:
    n = resolved_incident(as_, clock, "S2")
    lukas = as_("lukas")
    rid = ok(lukas.get(f"/api/v1/incidents/{n}/review"))["id"]
    ok(
        lukas.put(
            f"/api/v1/reviews/{rid}/sections",
            json={
                "sections": {"root_cause": "A certificate expired on the load balancer."},
                "base_version": 1,
            },
        )
    )
    near = ok(
        as_("aiko").post(
            "/api/v1/near-misses", json={"title": "Certificate renewal nearly missed", "severity": "S3"}
        ),
        201,
    )
    viewer = as_("tom", TokenRole.VIEWER)
    hits = {(h["kind"], h["id"]) for h in ok(viewer.get("/api/v1/search", params={"q": "certificate"}))}
    assert hits == {("review", rid), ("near_miss", near["id"])}
    assert {(h["kind"], h["id"]) for h in ok(viewer.get("/api/v1/search", params={"q": "checkout"}))} >= {
        ("incident", n),
        ("review", rid),
    }
    assert (
        ok(viewer.get("/api/v1/search", params={"q": "certificate balancer"}))[0]["id"] == rid
    )  # every word
    assert ok(viewer.get("/api/v1/search", params={"q": "zebra"})) == []
    assert ok(viewer.get("/api/v1/search", params={"q": "\"'*:() OR"})) == []  # query syntax is words only
    assert viewer.get("/api/v1/search").status_code == 422
