"""Alerts and escalation steps handled in batches behave exactly as one at a time.

Ingest commits a request's alerts with set-based statements (on PostgreSQL, alerts joining open
groups in one statement); the engine runs all escalation steps due at once together. These tests
pin what a user sees: counts on the group, outcomes per alert, and every page exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import GENERIC_KEY, PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink

GENERIC = f"/api/v1/integrations/generic/{GENERIC_KEY}"


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def _alert(key: str, name: str = "BackupFailed", status: str = "firing") -> dict[str, object]:
    return {"summary": f"{name} {key}", "dedup_key": key, "status": status, "labels": {"alertname": name}}


def _pages(bench: PagingBench, group_id: int) -> list[str]:
    keys = [r.idempotency_key or "" for r in bench.webhook.requests]
    return [k for k in keys if k.startswith(f"page:{group_id}:")]


def test_alerts_joining_an_open_group_in_one_request_are_counted_once_each(bench: PagingBench) -> None:
    opened = bench.api.post(GENERIC, json=_alert("a"))
    assert opened.json()["results"][0]["outcome"] == "opened"
    group_id = opened.json()["results"][0]["alert_group"]
    joined = bench.api.post(GENERIC, json={"alerts": [_alert("b"), _alert("a"), _alert("c"), _alert("b")]})
    assert joined.status_code == 202, joined.text
    assert [(r["dedup_key"], r["outcome"], r["alert_group"]) for r in joined.json()["results"]] == [
        ("b", "joined", group_id),
        ("a", "updated", group_id),
        ("c", "joined", group_id),
        ("b", "updated", group_id),
    ]
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert (group["alert_count"], group["firing_count"], group["event_count"]) == (3, 3, 5)
    counts = {a["dedup_key"]: a["event_count"] for a in group["alerts"]}
    assert counts == {"a": 2, "b": 2, "c": 1}
    bench.worker.run_once()
    assert len(_pages(bench, group_id)) == 1  # the group paged once, when it opened


def test_a_resolved_alert_firing_again_joins_the_open_group_of_its_name(bench: PagingBench) -> None:
    first = bench.api.post(GENERIC, json={"alerts": [_alert("a"), _alert("b")]}).json()["results"]
    group_id = first[0]["alert_group"]
    bench.api.post(GENERIC, json=_alert("a", status="resolved"))
    again = bench.api.post(GENERIC, json={"alerts": [_alert("a"), _alert("d")]}).json()["results"]
    assert [(r["outcome"], r["alert_group"]) for r in again] == [("refired", group_id), ("joined", group_id)]
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert (group["alert_count"], group["firing_count"], group["event_count"]) == (3, 3, 5)


def test_a_request_mixing_new_groups_and_open_ones_pages_each_new_group_once(bench: PagingBench) -> None:
    bench.api.post(GENERIC, json=_alert("a", name="Disk"))
    results = bench.api.post(
        GENERIC, json={"alerts": [_alert("b", name="Disk"), _alert("c", name="Cpu"), _alert("d", name="Cpu")]}
    ).json()["results"]
    assert [r["outcome"] for r in results] == ["joined", "opened", "joined"]
    assert results[1]["alert_group"] == results[2]["alert_group"] != results[0]["alert_group"]
    bench.worker.run_once()
    assert len(_pages(bench, results[0]["alert_group"])) == len(_pages(bench, results[1]["alert_group"])) == 1


def test_groups_a_request_opens_are_opened_by_their_first_alert_whatever_order_they_are_opened_in(
    bench: PagingBench,
) -> None:
    # (the groups are created in key order, so two requests opening the same groups never deadlock)
    names = ["Zeta", "Alpha", "Mu", "Zeta", "Alpha", "Mu"]
    alerts = [_alert(f"k{i}", name=name) for i, name in enumerate(names)]
    results = bench.api.post(GENERIC, json={"alerts": alerts}).json()["results"]
    assert [r["outcome"] for r in results] == ["opened"] * 3 + ["joined"] * 3
    assert [r["alert_group"] for r in results[3:]] == [r["alert_group"] for r in results[:3]]
    groups = {g["id"]: g for g in bench.client().get("/api/v1/alert-groups").json()}
    assert sorted(g["title"].split(" ")[0] for g in groups.values()) == ["Alpha", "Mu", "Zeta"]
    assert {g["alert_count"] for g in groups.values()} == {2}
    bench.worker.run_once()
    assert [len(_pages(bench, r["alert_group"])) for r in results[:3]] == [1, 1, 1]


def test_escalation_steps_due_together_each_page_the_next_step_once(bench: PagingBench) -> None:
    groups = [bench.fire(alertname=f"Alert{i}", fingerprint=f"fp-{i}").json()["groups"][0] for i in range(6)]
    acked = groups[0]
    bench.client("amara").post(f"/api/v1/alert-groups/{acked}/acknowledge")
    bench.advance(15)  # five escalation steps come due in one pass
    nadia = bench.pages_to("nadia")
    assert len(nadia) == 5 and len(set(nadia)) == 5
    assert not any(key.startswith(f"page:{acked}:") for key in nadia)
    for group_id in groups[1:]:
        detail = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
        paged = [e["message"] for e in detail["timeline"] if e["kind"] == "paged"]
        assert paged[-1].startswith("paged nadia as IMOC (step 2)"), paged
        assert detail["escalation"]["step"] == 2
    bench.advance(15)  # and the next five
    assert len(bench.pages_to("grace")) == 5
    bench.advance(15)
    assert len(bench.pages_to("nadia")) == 5 and len(bench.pages_to("grace")) == 5
    assert all(bench.webhook.deliveries(key) == 1 for key in bench.pages_to("nadia"))
