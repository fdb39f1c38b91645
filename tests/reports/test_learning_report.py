"""The learning report from a scripted history of reviews: reviews and corrective actions on time,
the open actions' age, a repeat incident (same service and cause as a reviewed one), near misses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from onwatch.reports.queries import Filters
from tests.api_helpers import ClientFactory, client_factory
from tests.reviews.helpers import ok, resolved_incident


@pytest.fixture
def as_(onwatch: Onwatch, org: OnwatchConfig, db: Database, clock: FakeClock) -> Iterator[ClientFactory]:
    with TestClient(onwatch.api(web=False)) as client:
        yield client_factory(client, db, clock)


def test_learning_counts_reviews_actions_repeats_and_near_misses(
    as_: ClientFactory, clock: FakeClock, onwatch: Onwatch
) -> None:
    start = clock.now()
    lukas = as_("lukas")
    first = resolved_incident(as_, clock, "S2", service="git")
    rid = ok(lukas.get(f"/api/v1/incidents/{first}/review"))["id"]
    done = ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Page on disk at 80%"}), 201)
    ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Shard the git storage"}), 201)
    clock.advance(timedelta(days=2))
    ok(lukas.patch(f"/api/v1/corrective-actions/{done['id']}", json={"status": "done"}))
    ok(lukas.post(f"/api/v1/reviews/{rid}/complete", json={"category": "Saturation", "final_severity": "S2"}))

    clock.advance(timedelta(days=3))  # the same service runs out of room again
    second = resolved_incident(as_, clock, "S2", service="git")
    rid2 = ok(lukas.get(f"/api/v1/incidents/{second}/review"))["id"]
    ok(
        lukas.post(
            f"/api/v1/reviews/{rid2}/complete",
            json={
                "category": "Saturation",
                "final_severity": "S2",
                "no_actions_reason": "the first review's actions cover it",
            },
        )
    )
    ok(
        as_("amara").post(
            "/api/v1/near-misses", json={"title": "Backups nearly filled /var", "severity": "S3"}
        ),
        201,
    )
    clock.advance(timedelta(days=5))

    report = onwatch.reports.learning(Filters(start, clock.now()))
    assert (report.reviews_due, report.reviews_on_time, report.review_on_time_rate) == (2, 2, 1.0)
    assert (report.actions_due, report.actions_on_time, report.action_on_time_rate) == (1, 1, 1.0)
    # the open action was added when the first incident resolved: 2 + 3 days, the second incident's
    # 48 minutes, and 5 days ago
    assert report.open_actions == 1
    age = timedelta(days=10, minutes=48).total_seconds()
    assert report.open_action_age_p50 == report.open_action_age_p90 == age
    assert (report.incidents, report.repeats, report.repeat_rate) == (2, 1, 0.5)
    assert (report.near_misses, report.near_misses_per_incident) == (1, 0.5)

    answer = as_("maria", TokenRole.VIEWER).get(
        "/api/v1/reports/learning", params={"from": start.isoformat(), "to": clock.now().isoformat()}
    )
    assert answer.json()["repeat_rate"] == 0.5
