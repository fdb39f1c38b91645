"""Declaring from an SLO alert group takes its suggested severity and status (PROCESS.md §8: an
outage is S1 / Service Disruption), and the declarer may override either."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink
from tests.slo_helpers import load_history, run, slo_groups


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


@pytest.fixture
def outage(bench: PagingBench) -> tuple[httpx.Client, int]:
    api = bench.client("amara")
    load_history(bench, api, "git")
    run(bench, api, "git", 6, errors=12)  # 5 % errors for six minutes: above the outage line
    [group] = [g for g in slo_groups(api) if g["severity"] == "critical"]
    return api, int(group["id"])


def test_declaring_from_an_slo_outage_group_makes_an_s1_service_disruption(
    outage: tuple[httpx.Client, int],
) -> None:
    api, group = outage
    made = api.post(f"/api/v1/alert-groups/{group}/incident", json={})
    assert made.status_code == 201, made.text
    incident = api.get(f"/api/v1/incidents/{made.json()['incident_id']}").json()
    assert (incident["severity"], incident["status"]) == ("S1", "service_disruption")


def test_the_declarer_overrides_the_suggested_severity_and_keeps_the_suggested_status(
    outage: tuple[httpx.Client, int],
) -> None:
    api, group = outage
    made = api.post(f"/api/v1/alert-groups/{group}/incident", json={"severity": "S2"})
    incident = api.get(f"/api/v1/incidents/{made.json()['incident_id']}").json()
    assert (incident["severity"], incident["status"]) == ("S2", "service_disruption")


def test_a_group_without_a_suggestion_declares_s3_degraded_performance(bench: PagingBench) -> None:
    group = bench.fire().json()["groups"][0]
    made = bench.client("amara").post(f"/api/v1/alert-groups/{group}/incident", json={})
    incident = bench.client("amara").get(f"/api/v1/incidents/{made.json()['incident_id']}").json()
    assert (incident["severity"], incident["status"]) == ("S3", "degraded_performance")
