"""Corrective actions leave onwatch through the outbox: every change to a signed webhook (with an
idempotency key), and each new action as an issue in a GitHub- or GitLab-shaped tracker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.notify.webhook import verify_signature
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import demo_everyone_on_webhook, process_bench
from tests.receivers import SmtpSink, WebhookSink
from tests.reviews.helpers import ok
from tests.reviews.tracker_server import TrackerServer

TOKEN = "tracker-token-1"


@pytest.fixture
def tracker(monkeypatch: pytest.MonkeyPatch) -> Iterator[TrackerServer]:
    monkeypatch.setenv("ONWATCH_TRACKER_TOKEN", TOKEN)
    with TrackerServer(TOKEN) as server:
        yield server


def with_mirror(webhook: WebhookSink, tracker: dict[str, Any]) -> str:
    document = yaml.safe_load(demo_everyone_on_webhook(webhook))
    document["channels"]["tracker-hook"] = {
        "type": "webhook",
        "name": "tracker",
        "url": f"{webhook.url}?to=tracker-hook",
        "secret": "mirror-secret",
    }
    document["reviews"] = {"webhook": "tracker-hook", "tracker": tracker}
    return yaml.safe_dump(document)


def bench_with(
    onwatch: Onwatch, webhook: WebhookSink, smtp: SmtpSink, tracker: dict[str, Any]
) -> PagingBench:
    bench = process_bench(onwatch, webhook, smtp)
    apply_config(
        onwatch.db, load_config(with_mirror(webhook, tracker)), now=onwatch.clock.now(), applied_by="tests"
    )
    return bench


def near_miss_with_action(bench: PagingBench) -> tuple[int, int]:
    aiko = bench.client("aiko")
    rid = ok(
        aiko.post("/api/v1/near-misses", json={"title": "Certificate nearly expired", "severity": "S2"}), 201
    )["id"]
    aid = ok(
        aiko.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Renew certificates automatically"}), 201
    )["id"]
    return rid, aid


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_a_new_corrective_action_becomes_an_issue_in_the_tracker(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, tracker: TrackerServer, kind: str
) -> None:
    config = {
        "type": kind,
        "api_url": tracker.url,
        "project": "illumidesk/production",
        "labels": ["corrective-action", "rca"],
    }
    tracker.fail_next = 1  # down at first: the outbox retries
    with running(bench_with(onwatch, webhook_sink, smtp_sink, config)) as bench:
        rid, aid = near_miss_with_action(bench)
        bench.advance(0)
        bench.advance(1)
        assert len(tracker.issues) == 1
        filed = tracker.issues[0]
        assert filed.body["title"] == "Renew certificates automatically"
        if kind == "github":
            assert filed.path == "/repos/illumidesk/production/issues"
            assert filed.body["labels"] == ["corrective-action", "rca"]
            assert filed.headers["Accept"] == "application/vnd.github+json"
            expected = "https://github.example/illumidesk/production/issues/1"
        else:
            assert filed.path == "/projects/illumidesk%2Fproduction/issues"
            assert filed.body["labels"] == "corrective-action,rca"
            assert f"review #{rid}" in filed.body["description"]
            expected = "https://gitlab.example/illumidesk%2Fproduction/-/issues/1"
        action = ok(bench.client("aiko").get(f"/api/v1/reviews/{rid}"))["actions"][0]
        assert (action["id"], action["external_url"]) == (aid, expected)
        bench.advance(60)
        assert len(tracker.issues) == 1  # filed once


def test_every_action_change_goes_to_the_signed_webhook_with_an_idempotency_key(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, tracker: TrackerServer
) -> None:
    config = {"type": "github", "api_url": tracker.url, "project": "illumidesk/production"}
    with running(bench_with(onwatch, webhook_sink, smtp_sink, config)) as bench:
        _, aid = near_miss_with_action(bench)
        ok(bench.client("aiko").patch(f"/api/v1/corrective-actions/{aid}", json={"status": "in_progress"}))
        ok(bench.client("aiko").patch(f"/api/v1/corrective-actions/{aid}", json={"status": "done"}))
        bench.advance(1)
        got = [r for r in webhook_sink.requests if "to=tracker-hook" in r.path and r.status == 200]
        # deliveries may arrive in any order: the receiver orders them by the action's version
        got.sort(key=lambda r: r.json["notification"]["ref"]["version"])
        states = [r.json["notification"]["ref"]["status"] for r in got]
        assert states == ["open", "in_progress", "done"]
        keys = [r.idempotency_key for r in got]
        assert keys == [
            f"action:{aid}:v1:tracker-hook",
            f"action:{aid}:v2:tracker-hook",
            f"action:{aid}:v3:tracker-hook",
        ]
        for r in got:
            stamp, signature = r.headers["X-Onwatch-Timestamp"], r.headers["X-Onwatch-Signature"]
            assert verify_signature("mirror-secret", stamp, r.body, signature, now=float(stamp))
