"""Corrective actions: due by the severity table, statuses, refusals naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onwatch.kernel.clock import FakeClock
from onwatch.kernel.enums import Interface, Severity
from onwatch.kernel.errors import InvalidInput
from onwatch.kernel.timeline import Actor
from onwatch.reviews.domain.actions import CorrectiveAction, action_due
from onwatch.reviews.domain.enums import ActionStatus
from tests.api_helpers import ClientFactory
from tests.reviews.helpers import ok, resolved_incident

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NADIA = Actor.person("nadia", Interface.API)


def test_corrective_actions_are_due_by_severity(as_: ClientFactory, clock: FakeClock) -> None:
    assert {s: action_due(s, T0) - T0 for s in Severity} == {
        Severity.S1: timedelta(weeks=1),
        Severity.S2: timedelta(days=30),
        Severity.S3: timedelta(days=60),
        Severity.S4: timedelta(days=90),
    }
    n = resolved_incident(as_, clock, "S1")
    lukas = as_("lukas")
    rid = ok(lukas.get(f"/api/v1/incidents/{n}/review"))["id"]
    action = ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Add a replica"}), 201)
    assert datetime.fromisoformat(action["due_at"]) == clock.now() + timedelta(weeks=1)
    assert (action["owner"], action["status"]) == ("lukas", "open")
    given_due = ok(
        lukas.post(
            f"/api/v1/reviews/{rid}/actions",
            json={
                "title": "Runbook",
                "owner": "amara",
                "due": "2027-01-31T00:00:00Z",
                "link": "https://tracker.example/1",
            },
        ),
        201,
    )
    assert (given_due["due_at"], given_due["owner"]) == ("2027-01-31T00:00:00Z", "amara")


def test_action_statuses_need_a_reason_to_drop_and_bad_input_names_the_field(
    as_: ClientFactory, clock: FakeClock
) -> None:
    n = resolved_incident(as_, clock)
    lukas = as_("lukas")
    rid = ok(lukas.get(f"/api/v1/incidents/{n}/review"))["id"]
    aid = ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Add a replica"}), 201)["id"]
    for body, field in (
        ({"status": "wont_do"}, "reason"),
        ({"status": "maybe"}, "status"),
        ({"due": "2020-01-01T00:00:00Z"}, "due"),
        ({"owner": "ghost"}, "owner"),
        ({"link": "javascript:alert(1)"}, "link"),
    ):
        answer = lukas.patch(f"/api/v1/corrective-actions/{aid}", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
    assert (
        ok(lukas.patch(f"/api/v1/corrective-actions/{aid}", json={"status": "in_progress"}))["status"]
        == "in_progress"
    )
    dropped = ok(
        lukas.patch(f"/api/v1/corrective-actions/{aid}", json={"status": "wont_do", "reason": "retired"})
    )
    assert (dropped["status"], dropped["reason"]) == ("wont_do", "retired")
    history = [e["message"] for e in ok(lukas.get(f"/api/v1/reviews/{rid}"))["history"]]
    assert f"lukas moved corrective action #{aid} from in_progress to wont_do (retired)" in history
    # a dropped action does not count for completion
    refused = lukas.post(f"/api/v1/reviews/{rid}/complete", json={"category": "SPoF", "final_severity": "S2"})
    assert refused.json()["errors"][0]["field"] == "no_actions_reason"


def test_overdue_actions_are_listed_in_the_digest(as_: ClientFactory, clock: FakeClock) -> None:
    n = resolved_incident(as_, clock, "S1")
    lukas = as_("lukas")
    rid = ok(lukas.get(f"/api/v1/incidents/{n}/review"))["id"]
    aid = ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Add a replica"}), 201)["id"]
    assert ok(lukas.get("/api/v1/corrective-actions")) == []
    clock.advance(timedelta(days=8))
    assert [a["id"] for a in ok(lukas.get("/api/v1/corrective-actions?owner=lukas"))] == [aid]
    ok(lukas.patch(f"/api/v1/corrective-actions/{aid}", json={"status": "done"}))
    assert ok(lukas.get("/api/v1/corrective-actions")) == []


@given(st.sampled_from(list(ActionStatus)), st.sampled_from(list(ActionStatus)))
def test_any_status_change_ends_in_the_status_asked_or_is_refused(
    start: ActionStatus, target: ActionStatus
) -> None:
    action = CorrectiveAction.create(review_id=1, title="x", owner_id="lukas", severity=Severity.S3, now=T0)
    action.status, action.reason = start, ("dropped" if start is ActionStatus.WONT_DO else None)
    try:
        action.change(NADIA, T0, status=target, reason="because")
    except InvalidInput:
        pytest.fail("a reason was given")
    assert action.status is target
    assert (action.reason is not None) is (target is ActionStatus.WONT_DO)
