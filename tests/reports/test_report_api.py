"""The reports over HTTP: JSON for a viewer, CSV downloads with the same figures, and bad filters
refused with a problem naming the field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.directory.tokens import TokenRole
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink

RANGE = {"from": "2026-11-30T00:00:00Z", "to": "2026-12-02T00:00:00Z"}


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        bench.fire("DiskFull", fingerprint="fp-disk")
        bench.advance(10)
        bench.fire("DiskFull", fingerprint="fp-disk", status="resolved")
        yield bench


def test_a_viewer_reads_the_noise_report_as_json_and_downloads_it_as_csv(bench: PagingBench) -> None:
    viewer = bench.client("maria", TokenRole.VIEWER)
    [rule] = viewer.get("/api/v1/reports/noise", params=RANGE).json()
    assert (rule["alertname"], rule["groups"], rule["pages"], rule["auto_resolved"]) == ("DiskFull", 1, 1, 1)
    csv = viewer.get("/api/v1/reports/noise", params={**RANGE, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert 'filename="onwatch-noise.csv"' in csv.headers["content-disposition"]
    header, row = csv.text.splitlines()
    assert header.startswith("integration,alertname,groups,pages,auto_resolved_share,flaps,median_open_min")
    assert row.startswith("prometheus,DiskFull,1,1,1.0,0,10.0")


def test_the_load_and_response_reports_answer_json_and_csv(bench: PagingBench) -> None:
    viewer = bench.client("maria", TokenRole.VIEWER)
    load = viewer.get("/api/v1/reports/load", params={**RANGE, "person": "amara"}).json()
    assert [p["person"] for p in load["people"]] == ["amara"]
    assert load["people"][0]["pages"] == 1 and load["people"][0]["interruptions"]["business"] == 1
    response = viewer.get("/api/v1/reports/response", params={**RANGE, "period": "all"}).json()
    assert response["unacknowledged"] == [
        {"period": "all", "service": "web", "severity": None, "paged": 1, "unacknowledged": 1}
    ]
    text = viewer.get("/api/v1/reports/response", params={**RANGE, "format": "csv"}).text
    assert text.splitlines()[0] == "period,service,severity,measure,n,mean_min,p50_min,p90_min,unacknowledged"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"severity": "S9"}, "severity"),
        ({"team": "nobody"}, "team"),
        ({"schedule": "nope"}, "schedule"),
        ({"person": "ghost"}, "person"),
        ({"service": "nope"}, "service"),
        ({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "to"),
        ({"from": "2024-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "to"),
        ({"from": "2026-12-01T00:00:00"}, "from"),
    ],
)
def test_a_bad_filter_is_a_4xx_problem_naming_the_field(
    bench: PagingBench, params: dict[str, str], field: str
) -> None:
    answer = bench.client("maria", TokenRole.VIEWER).get("/api/v1/reports/load", params=params)
    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in answer.text


def test_feedback_on_a_rules_pages_gives_its_counts_and_actionable_ratio(bench: PagingBench) -> None:
    group = bench.group_of("fp-disk")
    given = bench.client("amara").post(
        f"/api/v1/alert-groups/{group}/feedback", json={"choice": "not_actionable"}
    )
    assert given.status_code == 201, given.text
    [rule] = bench.client("maria", TokenRole.VIEWER).get("/api/v1/reports/noise", params=RANGE).json()
    assert rule["feedback"] == {"actionable": 0, "not_actionable": 1, "incorrect": 0, "flappy": 0}
    assert rule["actionable_ratio"] == 0.0
    csv = bench.client("maria", TokenRole.VIEWER).get(
        "/api/v1/reports/noise", params={**RANGE, "format": "csv"}
    )
    assert csv.text.splitlines()[1].endswith(",0,1,0,0,0.0")


@pytest.mark.parametrize("report", ["response", "load", "noise", "learning", "slo"])
def test_filters_that_match_nobody_give_an_empty_report_not_a_server_error(
    bench: PagingBench, report: str
) -> None:
    # the API fuzzer's case: a person outside the schedule, so the filters leave nobody
    params = {"person": "eva", "schedule": "security", "severity": "S2", "service": "web", "to": RANGE["to"]}
    answer = bench.client("maria", TokenRole.VIEWER).get(f"/api/v1/reports/{report}", params=params)
    assert answer.status_code == 200, answer.text
    assert "DiskFull" not in answer.text


def test_the_response_report_filtered_by_service_counts_that_services_pages(bench: PagingBench) -> None:
    viewer = bench.client("maria", TokenRole.VIEWER)
    answer = viewer.get("/api/v1/reports/response", params={**RANGE, "service": "web", "period": "all"})
    assert answer.status_code == 200, answer.text
    assert [(u["service"], u["paged"]) for u in answer.json()["unacknowledged"]] == [("web", 1)]
