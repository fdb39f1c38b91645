"""The reports' web pages: a chart (Chart.js, vendored) with its table beside it, the filters as a
form, a CSV download; signed-in people only (browser-free: the HTML and the chart's data)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords

RANGE = "from=2026-11-30&to=2026-12-01"


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        bench.fire("DiskFull", fingerprint="fp-disk")  # pages amara 09:00 (London business hours)
        bench.advance(10)
        bench.fire("DiskFull", fingerprint="fp-disk", status="resolved")
        set_passwords(bench.db, bench.clock, "maria")
        yield bench


def browser(bench: PagingBench) -> Browser:
    assert isinstance(bench.api, TestClient)
    signed = Browser(bench.api)
    signed.sign_in("maria")
    return signed


def chart_of(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="report-chart-data">(.*?)</script>', html, re.S)
    assert found, "the page embeds its chart's data"
    data: dict[str, object] = json.loads(found.group(1))
    return data


def test_the_reports_pages_need_a_signed_in_person(bench: PagingBench) -> None:
    assert isinstance(bench.api, TestClient)
    for path in (
        "/reports",
        "/reports/load",
        "/reports/noise",
        "/reports/learning",
        "/reports/slo",
        "/reports/noise.csv",
    ):
        answer = bench.api.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_the_noise_page_charts_its_rules_with_the_table_beside_and_links_to_the_groups(
    bench: PagingBench,
) -> None:
    page = browser(bench).get(f"/reports/noise?{RANGE}")
    assert page.status_code == 200
    html = page.text
    assert '<script src="/static/chart.umd.min.js" defer></script>' in html
    chart = chart_of(html)
    assert chart["labels"] == ["DiskFull (prometheus)"]
    assert [d["data"] for d in chart["datasets"]] == [[0], [1]]  # type: ignore[index]
    assert '<table id="report-table">' in html and "<td>DiskFull</td>" in html
    group = bench.group_of("fp-disk")
    assert f'<a href="/alerts/{group}">#{group}</a>' in html
    assert 'href="/reports/noise.csv?from=2026-11-30&amp;to=2026-12-01"' in html


def test_the_load_page_stacks_interruptions_by_hour_band(bench: PagingBench) -> None:
    html = browser(bench).get(f"/reports/load?{RANGE}&person=amara").text
    chart = chart_of(html)
    assert chart["labels"] == ["Amara Okafor"] or len(chart["labels"]) == 1  # type: ignore[arg-type]
    bands = {d["label"]: d["data"] for d in chart["datasets"]}  # type: ignore[attr-defined]
    assert bands == {"business hours": [1.0], "off-hours": [0.0], "sleep hours": [0.0]}


def test_the_response_page_charts_p50_and_p90_per_measure(bench: PagingBench) -> None:
    html = browser(bench).get(f"/reports?{RANGE}&period=month").text
    chart = chart_of(html)
    assert chart["labels"] == ["time to acknowledge", "time to detect", "time to mitigate", "time to resolve"]
    assert "<td>2026-11-01</td>" not in html and "Response times" in html


def test_a_csv_download_and_a_bad_filter(bench: PagingBench) -> None:
    signed = browser(bench)
    csv = signed.get(f"/reports/noise.csv?{RANGE}")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1].startswith("prometheus,DiskFull,1,1,1.0")
    bad = signed.get("/reports/load?from=yesterday")
    assert bad.status_code == 400 and "from: give a date such as 2026-12-01" in bad.text


def test_chart_js_is_served_from_onwatch_itself(bench: PagingBench) -> None:
    assert isinstance(bench.api, TestClient)
    script = bench.api.get("/static/chart.umd.min.js")
    assert script.status_code == 200 and "Chart.js v4.6.2" in script.text[:200]


def test_the_learning_page_charts_the_rates_beside_their_counts(bench: PagingBench) -> None:
    html = browser(bench).get(f"/reports/learning?{RANGE}").text
    chart = chart_of(html)
    assert chart["labels"] == [
        "reviews on time",
        "actions on time",
        "repeat incidents",
        "near misses per incident",
    ]
    assert "<td>repeat_rate</td><td>\u2013</td><td>0 of 0 incidents</td>" in html  # an en dash: none


def test_the_slo_page_charts_the_budget_consumed(bench: PagingBench) -> None:
    html = browser(bench).get(f"/reports/slo?{RANGE}").text
    chart = chart_of(html)
    assert chart["title"] == "Error budget consumed (1.0 = all of it)"
    assert "SLOs" in html and "Download CSV" in html
