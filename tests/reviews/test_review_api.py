"""The review workflow through the API: Draft -> In review -> Completed, versioned edits, and the
completion rules answered with the field at fault."""

from __future__ import annotations

from datetime import timedelta

from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory
from tests.reviews.helpers import ok, resolved_incident


def test_completing_sets_the_final_severity_and_the_review_completed_label(
    as_: ClientFactory, clock: FakeClock
) -> None:
    n = resolved_incident(as_, clock, "S2")
    lukas, nadia = as_("lukas"), as_("nadia")
    review = ok(lukas.get(f"/api/v1/incidents/{n}/review"))
    rid = review["id"]
    ok(lukas.post(f"/api/v1/reviews/{rid}/submit"))
    done = ok(
        nadia.post(
            f"/api/v1/reviews/{rid}/complete",
            json={
                "category": "saturation",
                "final_severity": "S1",
                "no_actions_reason": "capacity added during the incident",
            },
        )
    )
    assert done["status"] == "completed"
    assert done["category"] == "Saturation"
    assert "Incident::Review-Completed" in done["labels"]
    incident = ok(nadia.get(f"/api/v1/incidents/{n}"))
    assert incident["severity"] == "S1"
    assert "Incident::Review-Completed" in incident["labels"]
    assert "Incident::Resolved" not in incident["labels"]
    timeline = ok(nadia.get(f"/api/v1/incidents/{n}/timeline"))
    assert any(
        e["kind"] == "severity_changed"
        and e["message"] == f"review #{rid} classified the final severity S1 (was S2)"
        for e in timeline
    )


def test_completing_needs_a_category_a_final_severity_and_actions_or_a_reason(
    as_: ClientFactory, clock: FakeClock
) -> None:
    n = resolved_incident(as_, clock)
    lukas = as_("lukas")
    rid = ok(lukas.get(f"/api/v1/incidents/{n}/review"))["id"]

    def refused(body: dict[str, object]) -> tuple[int, str]:
        answer = lukas.post(f"/api/v1/reviews/{rid}/complete", json=body)
        return answer.status_code, answer.json()["errors"][0]["field"]

    assert refused({"category": "cosmic-rays", "final_severity": "S2"}) == (422, "category")
    assert refused({"final_severity": "S2"}) == (422, "category")
    assert refused({"category": "SPoF"}) == (422, "final_severity")
    assert refused({"category": "SPoF", "final_severity": "S2"}) == (422, "no_actions_reason")
    assert ok(lukas.get(f"/api/v1/reviews/{rid}"))["status"] == "draft"  # nothing half-written
    ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Remove the single primary"}), 201)
    assert (
        ok(lukas.post(f"/api/v1/reviews/{rid}/complete", json={"category": "SPoF", "final_severity": "S2"}))[
            "status"
        ]
        == "completed"
    )


def test_only_the_owner_or_the_imoc_completes_and_a_completed_review_is_reopened_before_editing(
    as_: ClientFactory, clock: FakeClock
) -> None:
    n = resolved_incident(as_, clock)
    amara, lukas = as_("amara"), as_("lukas")
    review = ok(lukas.get(f"/api/v1/incidents/{n}/review"))
    rid = review["id"]
    body = {"category": "Config-Change", "final_severity": "S2", "no_actions_reason": "reverted"}
    refused = amara.post(f"/api/v1/reviews/{rid}/complete", json=body)
    assert refused.status_code == 403
    assert "only the owner, lukas, or the IMOC, nadia" in refused.json()["detail"]
    ok(lukas.post(f"/api/v1/reviews/{rid}/complete", json=body))
    stale = lukas.put(
        f"/api/v1/reviews/{rid}/sections", json={"sections": {"summary": "x"}, "base_version": 1}
    )
    assert (stale.status_code, stale.json()["errors"][0]["field"]) == (409, "status")
    ok(lukas.post(f"/api/v1/reviews/{rid}/reopen"))
    incident = ok(lukas.get(f"/api/v1/incidents/{n}"))
    assert "Incident::Resolved" in incident["labels"]
    ok(lukas.put(f"/api/v1/reviews/{rid}/sections", json={"sections": {"summary": "x"}, "base_version": 1}))


def test_a_stale_edit_is_refused_and_every_version_is_kept(as_: ClientFactory, clock: FakeClock) -> None:
    n = resolved_incident(as_, clock)
    lukas, nadia = as_("lukas"), as_("nadia")
    rid = ok(lukas.get(f"/api/v1/incidents/{n}/review"))["id"]
    first = ok(
        lukas.put(
            f"/api/v1/reviews/{rid}/sections",
            json={"sections": {"summary": "Checkout failed for 40 minutes."}, "base_version": 1},
        )
    )
    assert first["version"] == 2
    clock.advance(timedelta(minutes=1))
    stale = nadia.put(
        f"/api/v1/reviews/{rid}/sections", json={"sections": {"summary": "mine"}, "base_version": 1}
    )
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "base_version"
    unknown = nadia.put(
        f"/api/v1/reviews/{rid}/sections", json={"sections": {"gossip": "x"}, "base_version": 2}
    )
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "sections.gossip")
    ok(
        nadia.put(
            f"/api/v1/reviews/{rid}/sections",
            json={"sections": {"root_cause": "A full disk."}, "base_version": 2},
        )
    )
    versions = ok(nadia.get(f"/api/v1/reviews/{rid}/versions"))
    assert [(v["version"], v["author"], v["sections"]["summary"]) for v in versions] == [
        (1, "onwatch", ""),
        (2, "lukas", "Checkout failed for 40 minutes."),
        (3, "nadia", "Checkout failed for 40 minutes."),
    ]
    assert versions[2]["sections"]["root_cause"] == "A full disk."


def test_viewers_read_reviews_but_do_not_write_them(as_: ClientFactory, clock: FakeClock) -> None:
    from onwatch.directory.tokens import TokenRole

    n = resolved_incident(as_, clock)
    viewer = as_("tom", TokenRole.VIEWER)
    rid = ok(viewer.get(f"/api/v1/incidents/{n}/review"))["id"]
    assert (
        viewer.put(f"/api/v1/reviews/{rid}/sections", json={"sections": {}, "base_version": 1}).status_code
        == 403
    )
    assert [r["id"] for r in ok(viewer.get("/api/v1/reviews"))] == [rid]
