"""Alert in -> EOC paged on each contact method in order -> 15 minutes -> IMOC -> ack -> silence.

Real loopback receivers (HTTP webhook sink, SMTP server), both databases, and a fake clock:
"nobody acknowledged for 15 minutes" is a clock advance.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.notify.webhook import verify_signature
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def test_unacked_page_escalates_to_imoc_after_15_minutes_and_ack_stops_it(bench: PagingBench) -> None:
    response = bench.fire()
    assert response.status_code == 200, response.text
    group_id = response.json()["groups"][0]
    # 09:00 on a Tuesday: amara holds the EOC role; her webhook fires at once, email waits 2 minutes
    assert len(bench.pages_to("amara")) == 1 and bench.smtp.mails == []
    bench.advance(2)
    [mail] = bench.smtp.mails
    assert mail.rcpt_tos == ["amara@illumidesk.example"]
    assert "HighErrorRate" in mail.message["Subject"] and "/a/" in mail.part("text/plain")
    assert bench.pages_to("nadia") == []
    bench.advance(12.9)
    assert bench.pages_to("nadia") == []  # not before 15 minutes
    bench.advance(0.1)
    assert len(bench.pages_to("nadia")) == 1
    acked = bench.client("nadia").post(f"/api/v1/alert-groups/{group_id}/acknowledge")
    assert acked.json()["status"] == "acknowledged" and acked.json()["acknowledged_by"] == "nadia"
    bench.advance(60)
    assert bench.pages_to("grace") == [] and len(bench.pages_to("nadia")) == 1 and len(bench.smtp.mails) == 1
    detail = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    kinds = [e["kind"] for e in detail["timeline"]]
    # each delivery's outcome too: amara's webhook, her email 2 minutes later, nadia's webhook
    assert kinds == [
        "opened", "escalation_started", "paged", "delivered", "delivered", "paged", "delivered", "acknowledged"
    ]  # fmt: skip
    assert detail["escalation"]["status"] == "acknowledged" and detail["escalation"]["next_step_at"] is None


def test_acknowledging_within_two_minutes_cancels_the_delayed_email(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    bench.client("amara").post(f"/api/v1/alert-groups/{group_id}/acknowledge")
    bench.advance(30)
    assert len(bench.pages_to("amara")) == 1 and bench.smtp.mails == [] and bench.pages_to("nadia") == []


def test_webhook_pages_are_signed_and_carry_an_idempotency_key(bench: PagingBench) -> None:
    bench.fire()
    [request] = bench.webhook.requests
    assert request.idempotency_key is not None and request.idempotency_key.startswith("page:")
    assert verify_signature(
        "s3cret",
        request.headers["X-Onwatch-Timestamp"],
        request.body,
        request.headers["X-Onwatch-Signature"],
        now=float(request.headers["X-Onwatch-Timestamp"]),
    )
    notification = request.json["notification"]
    assert notification["kind"] == "page" and notification["links"]["acknowledge"].startswith(
        "http://onwatch.test/a/"
    )


def test_later_alerts_join_the_group_and_page_nobody_again(bench: PagingBench) -> None:
    first = bench.fire(fingerprint="fp-1", instance="web-1")
    second = bench.fire(fingerprint="fp-2", instance="web-2")
    again = bench.fire(fingerprint="fp-1", instance="web-1")
    assert first.json()["groups"] == second.json()["groups"] == again.json()["groups"]
    assert len(bench.pages_to("amara")) == 1
    group = bench.client().get(f"/api/v1/alert-groups/{first.json()['groups'][0]}").json()
    assert (group["alert_count"], group["firing_count"], group["event_count"]) == (2, 2, 3)
    assert [a["event_count"] for a in group["alerts"]] == [2, 1]


def test_alerts_are_never_merged_by_summary_only_by_fingerprint(bench: PagingBench) -> None:
    bench.fire(fingerprint="fp-a", instance="a")
    bench.fire(fingerprint="fp-b", instance="b")
    group = bench.client().get("/api/v1/alert-groups").json()[0]
    assert group["alert_count"] == 2


def test_resolve_from_the_source_resolves_the_group(bench: PagingBench) -> None:
    group_id = bench.fire(fingerprint="fp-1").json()["groups"][0]
    bench.fire(fingerprint="fp-2")
    bench.fire(fingerprint="fp-1", status="resolved")
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "triggered"
    bench.fire(fingerprint="fp-2", status="resolved")
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert group["status"] == "resolved" and group["resolved_by"] == "integration:prometheus"
    bench.advance(30)
    assert bench.pages_to("nadia") == []  # the escalation stopped with the resolution


def test_a_page_nobody_answers_goes_past_the_imoc_to_the_director_and_the_channel(bench: PagingBench) -> None:
    bench.fire()
    bench.advance(15)
    bench.advance(15)
    assert len(bench.pages_to("grace")) == 1 and len(bench.pages_to("incident-management")) == 1
    bench.advance(15)  # repeat: 1 -> the policy runs once more from the EOC
    assert len(bench.pages_to("amara")) == 2


def test_escalate_by_hand_pages_the_imoc_now(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    bench.client("amara").post(f"/api/v1/alert-groups/{group_id}/escalate")
    bench.worker.run_once()
    assert len(bench.pages_to("nadia")) == 1
    bench.advance(14)
    assert bench.pages_to("grace") == []
    bench.advance(1)
    assert len(bench.pages_to("grace")) == 1


def test_one_click_link_needs_a_confirming_post(bench: PagingBench) -> None:
    bench.fire()
    link = (
        bench.webhook.requests[0]
        .json["notification"]["links"]["acknowledge"]
        .removeprefix("http://onwatch.test")
    )
    shown = bench.api.get(link)
    assert shown.status_code == 200 and "Acknowledge alert group" in shown.text
    group = bench.client().get("/api/v1/alert-groups").json()[0]
    assert group["status"] == "triggered"  # opening the link (or a mail scanner) changed nothing
    done = bench.api.post(link)
    assert done.status_code == 200 and "acknowledged" in done.text
    assert bench.client().get("/api/v1/alert-groups").json()[0]["acknowledged_by"] == "amara"
    assert bench.api.get(link[:-3] + "xyz").status_code == 404


def test_receiver_down_is_retried_and_the_escalation_still_moves_on_time(bench: PagingBench) -> None:
    bench.webhook.fail_with(503)
    bench.fire()
    assert bench.pages_to("amara") == []
    bench.advance(15)  # the IMOC step is due regardless of the failing deliveries
    refused = [r for r in bench.webhook.requests if r.status == 503]
    assert {"to=amara" in r.path for r in refused} == {True, False}  # both were tried, and refused
    bench.webhook.fail_with(None)
    bench.advance(5)  # retries with backoff reach the receiver once it is back
    assert len(bench.pages_to("amara")) == 1 and len(bench.pages_to("nadia")) == 1


def test_group_to_incident_puts_pages_and_acks_on_the_incident_timeline(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    client = bench.client("amara")
    made = client.post(f"/api/v1/alert-groups/{group_id}/incident", json={"severity": "S2"})
    assert made.status_code == 201, made.text
    incident_id = made.json()["incident_id"]
    client.post(f"/api/v1/alert-groups/{group_id}/acknowledge")
    timeline = client.get(f"/api/v1/incidents/{incident_id}/timeline").json()
    kinds = [e["kind"] for e in timeline]
    assert "paged" in kinds and "alerts_linked" in kinds
    # amara was paged as EOC: acknowledging engages her as EOC on the incident, and for an S2
    # #production hears she is joining the situation room
    assert kinds[-3:] == ["alerts_acknowledged", "role_engaged", "announced"]
    incident = client.get(f"/api/v1/incidents/{incident_id}").json()
    assert incident["services"] == ["web"] and incident["title"].startswith("HighErrorRate")
    assert (incident["owner"], incident["owner_role"]) == ("amara", "eoc")


def test_maintenance_records_alerts_and_pages_nobody(bench: PagingBench) -> None:
    client = bench.client("amara")
    start, end = bench.clock.now().isoformat(), bench.clock.now().replace(hour=11).isoformat()
    assert (
        client.post("/api/v1/services/web/maintenance", json={"start": start, "end": end}).status_code == 201
    )
    bench.fire()
    bench.advance(30)
    group = client.get("/api/v1/alert-groups").json()[0]
    assert group["in_maintenance"] and bench.webhook.requests == []
    [window] = client.get("/api/v1/maintenance", params={"service": "web"}).json()
    assert client.delete(f"/api/v1/maintenance/{window['id']}").status_code == 204
    bench.fire(alertname="AfterMaintenance", fingerprint="fp-after")
    assert len(bench.pages_to("amara")) == 1


def test_a_missed_heartbeat_pages_and_the_next_ping_resolves_it(bench: PagingBench) -> None:
    key = "demo-heartbeat-key-backup-01"
    first = bench.api.post(f"/api/v1/heartbeats/{key}")
    assert first.status_code == 200 and first.json()["next_ping_by"].startswith("2026-12-02T09:30")
    bench.advance(24 * 60)
    assert bench.api.get(f"/api/v1/heartbeats/{key}").status_code == 200  # a ping in time: nothing happens
    bench.advance(24 * 60 + 31)
    [group] = bench.client().get("/api/v1/alert-groups").json()
    assert group["title"].startswith("Heartbeat nightly-backup missed") and group["service"] == "git"
    assert len(bench.pages_to("amara")) == 1
    bench.api.post(f"/api/v1/heartbeats/{key}")
    assert bench.client().get(f"/api/v1/alert-groups/{group['id']}").json()["status"] == "resolved"
    assert bench.api.post("/api/v1/heartbeats/no-such-heartbeat-key").status_code == 404


def test_editing_the_policy_does_not_change_running_escalations(bench: PagingBench) -> None:
    from onwatch.config.apply import apply_config
    from onwatch.config.loader import load_config
    from tests.paging_helpers import demo_with_receivers

    bench.fire()
    edited = demo_with_receivers(bench.webhook).replace(
        "      - targets: [{role: imoc}]\n        delay: 15m",
        "      - targets: [{person: grace}]\n        delay: 15m",
    )
    apply_config(bench.db, load_config(edited), now=bench.clock.now(), applied_by="tests")
    bench.advance(15)
    assert len(bench.pages_to("nadia")) == 1 and bench.pages_to("grace") == []  # the snapshot still says IMOC
    bench.fire(alertname="DiskFull")  # a new escalation takes the new policy
    bench.advance(15)
    assert len(bench.pages_to("grace")) == 1


def test_generic_webhook_fires_and_resolves_and_names_missing_fields(bench: PagingBench) -> None:
    url = "/api/v1/integrations/generic/demo-generic-webhook-key-0001"
    fired = bench.api.post(
        url, json={"summary": "backup job failed", "dedup_key": "backup-1", "severity": "error"}
    )
    assert fired.status_code == 202 and fired.json()["results"][0]["outcome"] == "opened"
    bench.worker.run_once()
    group = bench.client().get(f"/api/v1/alert-groups/{fired.json()['results'][0]['alert_group']}").json()
    assert (group["service"], group["severity"], group["status"]) == ("git", "error", "triggered")
    assert bench.api.post(url, json={"status": "resolved", "dedup_key": "backup-1"}).status_code == 202
    assert bench.client().get(f"/api/v1/alert-groups/{group['id']}").json()["status"] == "resolved"
    bad = bench.api.post(url, json={"alerts": [{"severity": "error"}, {"status": "resolved"}]})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"alerts[0].summary", "alerts[1].dedup_key"}


def test_pagerduty_events_answer_like_pagerduty(bench: PagingBench) -> None:
    ok = bench.api.post(
        "/v2/enqueue",
        json={
            "routing_key": "demo-pagerduty-routing-key-01",
            "event_action": "trigger",
            "dedup_key": "k1",
            "payload": {"summary": "API 5xx", "source": "api-1", "severity": "critical"},
        },
    )
    assert ok.status_code == 202 and ok.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "k1",
    }
    bad = bench.api.post(
        "/v2/enqueue",
        json={
            "routing_key": "demo-pagerduty-routing-key-01",
            "event_action": "trigger",
            "payload": {"summary": "x"},
        },
    )
    assert bad.status_code == 400 and bad.json()["status"] == "invalid event"
    assert bad.json()["errors"] == ["payload.source: required", "payload.severity: required"]
    unknown = bench.api.post(
        "/v2/enqueue",
        json={"routing_key": "nope-nope-nope-nope", "event_action": "resolve", "dedup_key": "k1"},
    )
    assert unknown.status_code == 404
    assert len(bench.client().get("/api/v1/alert-groups").json()) == 1


def test_acknowledging_stops_the_retries_of_a_page_that_has_not_got_through(bench: PagingBench) -> None:
    bench.webhook.fail_with(503)
    group_id = bench.fire().json()["groups"][0]
    assert bench.pages_to("amara") == [] and len(bench.webhook.requests) == 1  # tried once, refused
    bench.client("amara").post(f"/api/v1/alert-groups/{group_id}/acknowledge")
    bench.webhook.fail_with(None)
    bench.advance(10)
    assert bench.pages_to("amara") == [] and len(bench.webhook.requests) == 1
