"""The review's prefill, frozen from the one timeline, against a scripted incident on the fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import process_bench
from tests.receivers import SmtpSink, WebhookSink
from tests.reviews.helpers import ok


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as b:
        yield b


def scripted_incident(bench: PagingBench) -> int:
    """09:00 an alert pages the EOC amara; 09:04 she acknowledges; 09:06 declares S2 from the group;
    09:10 a public update; 09:16 Partial Service Disruption; 09:20 the IMOC nadia engages;
    09:30 Identified; 09:40 Monitoring and back to Degraded Performance; 09:50 resolved by nadia."""
    amara, nadia = bench.client("amara"), bench.client("nadia")
    assert bench.fire(service="web").status_code == 200
    group = bench.group_of()
    bench.advance(4)
    ok(amara.post(f"/api/v1/alert-groups/{group}/acknowledge"))
    bench.advance(2)
    declared = ok(
        amara.post(
            f"/api/v1/alert-groups/{group}/incident", json={"severity": "S2", "title": "Checkout errors"}
        ),
        201,
    )
    n = declared["incident_id"]
    bench.advance(4)
    ok(
        amara.post(f"/api/v1/incidents/{n}/updates", json={"body": "We are looking into checkout errors."}),
        201,
    )
    bench.advance(6)
    ok(amara.post(f"/api/v1/incidents/{n}/status", json={"status": "partial_service_disruption"}))
    bench.advance(4)
    ok(nadia.post(f"/api/v1/incidents/{n}/roles/imoc/engage", json={}))
    bench.advance(10)
    ok(nadia.post(f"/api/v1/incidents/{n}/state", json={"state": "identified"}))
    bench.advance(10)
    ok(nadia.post(f"/api/v1/incidents/{n}/state", json={"state": "monitoring"}))
    ok(nadia.post(f"/api/v1/incidents/{n}/status", json={"status": "degraded_performance"}))
    bench.advance(10)
    ok(nadia.post(f"/api/v1/incidents/{n}/resolve"))
    return int(n)


def test_the_prefill_counts_impact_minutes_and_response_times_against_the_severity_table(
    bench: PagingBench,
) -> None:
    n = scripted_incident(bench)
    review = ok(bench.client("amara").get(f"/api/v1/incidents/{n}/review"))
    assert (review["owner"], review["conductor"]) == ("amara", "nadia")
    prefill = review["prefill"]
    assert prefill["services"] == ["web"]
    assert prefill["impact_minutes"] == {"degraded_performance": 20.0, "partial_service_disruption": 24.0}
    assert prefill["total_impact_minutes"] == 44.0
    times = prefill["times"]
    assert (times["detect"]["minutes"], times["detect"]["met"]) == (6.0, None)
    assert (
        times["acknowledge"]["minutes"],
        times["acknowledge"]["target_minutes"],
        times["acknowledge"]["met"],
    ) == (4.0, 15.0, True)
    assert times["engage"]["eoc"]["minutes"] == 0.0  # she had the page: engaged as she declared
    assert times["engage"]["imoc"]["minutes"] == 14.0
    assert (times["mitigate"]["minutes"], times["mitigate"]["target_minutes"], times["mitigate"]["met"]) == (
        34.0,
        24 * 60.0,
        True,
    )
    assert (times["resolve"]["minutes"], times["resolve"]["target_minutes"], times["resolve"]["met"]) == (
        44.0,
        7 * 24 * 60.0,
        True,
    )
    assert prefill["pages"][0]["person"] == "amara" and prefill["pages"][0]["at"].startswith(
        "2026-12-01T09:00"
    )
    assert [a["by"] for a in prefill["acknowledgements"]] == ["amara"]
    bodies = [u["body"] for u in prefill["public_updates"]]
    assert bodies[0] == "We are looking into checkout errors."
    assert bodies[1:] == ["Resolved: this incident has been resolved and the service is operating normally."]
    kinds = [e["kind"] for e in prefill["timeline"]]
    assert "declared" in kinds and "status_changed" in kinds and "role_engaged" in kinds


def test_the_prefill_is_frozen_and_its_events_can_be_starred_hidden_and_annotated(bench: PagingBench) -> None:
    n = scripted_incident(bench)
    amara = bench.client("amara")
    review = ok(amara.get(f"/api/v1/incidents/{n}/review"))
    rid, events = review["id"], review["prefill"]["timeline"]
    ok(amara.post(f"/api/v1/incidents/{n}/notes", json={"text": "later note, after resolution"}), 201)
    again = ok(amara.get(f"/api/v1/reviews/{rid}"))
    assert again["prefill"]["timeline"] == events  # frozen: the later note is not in it
    declared = next(e for e in events if e["kind"] == "declared")
    status = next(e for e in events if e["kind"] == "status_changed")
    ok(
        amara.post(
            f"/api/v1/reviews/{rid}/timeline/{declared['id']}",
            json={"starred": True, "tag": "detection", "note": "from the alert"},
        )
    )
    ok(amara.post(f"/api/v1/reviews/{rid}/timeline/{status['id']}", json={"hidden": True}))
    unknown = amara.post(f"/api/v1/reviews/{rid}/timeline/999999", json={"starred": True})
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "event_id")
    marked = ok(amara.get(f"/api/v1/reviews/{rid}"))["marks"]
    assert marked[str(declared["id"])] == {
        "starred": True,
        "hidden": False,
        "tag": "detection",
        "note": "from the alert",
    }
    assert marked[str(status["id"])]["hidden"] is True
