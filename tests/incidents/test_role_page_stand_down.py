"""A role page stands down when someone else engages that role (PROCESS.md §2-§3): the CMOC page
to A stops escalating, and says why on both timelines, when B engages as CMOC."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import notifications, process_bench, role_page_group, timeline
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def declared_paging_the_cmoc(bench: PagingBench) -> int:
    response = bench.client("amara").post(
        "/api/v1/incidents", json={"title": "Registry pulls fail", "severity": "S3", "page": ["cmoc"]}
    )
    assert response.status_code == 201, response.text
    bench.worker.run_once()
    assert len(notifications(bench, "sofia", "page")) == 1
    return int(response.json()["id"])


def test_the_cmoc_page_to_sofia_stops_escalating_when_ben_engages_as_cmoc(bench: PagingBench) -> None:
    n = declared_paging_the_cmoc(bench)
    group_id = role_page_group(bench, n, "cmoc")
    engaged = bench.client("ben").post(f"/api/v1/incidents/{n}/roles/cmoc/engage")
    assert engaged.status_code == 200, engaged.text
    bench.advance(60)
    assert notifications(bench, "nadia", "page") == [], "a stood-down CMOC page does not go to the IMOC"
    group = bench.client("amara").get(f"/api/v1/alert-groups/{group_id}").json()
    assert group["status"] == "resolved"
    why = "stood down: ben engaged as CMOC on incident #"
    assert any(why in e["message"] for e in group["timeline"]), "the page's timeline says why"
    assert any(why in e["message"] for e in timeline(bench, n)), "the incident's timeline says why"


def test_the_cmoc_page_stays_open_for_the_person_it_paged_and_their_ack_engages_them(
    bench: PagingBench,
) -> None:
    n = declared_paging_the_cmoc(bench)
    group_id = role_page_group(bench, n, "cmoc")
    assert bench.client("sofia").post(f"/api/v1/alert-groups/{group_id}/acknowledge").status_code == 200
    incident = bench.client("amara").get(f"/api/v1/incidents/{n}").json()
    assert incident["roles"]["cmoc"]["person"] == "sofia"
    assert bench.client("amara").get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "acknowledged"


def test_an_imoc_page_stands_down_when_another_manager_takes_the_imoc_role(bench: PagingBench) -> None:
    response = bench.client("amara").post("/api/v1/incidents", json={"title": "API 5xx", "severity": "S2"})
    n = int(response.json()["id"])
    bench.worker.run_once()
    assert len(notifications(bench, "nadia", "page")) == 1
    bench.client("tom").post(f"/api/v1/incidents/{n}/roles/imoc/engage")
    bench.advance(60)
    assert notifications(bench, "grace") == [], "the director is not paged: tom took the IMOC role"
