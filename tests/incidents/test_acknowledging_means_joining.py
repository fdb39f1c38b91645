"""Acknowledging means joining (PROCESS.md §3 rule 7): for S1/S2 the acknowledger tells the
production channel they are joining the situation room; onwatch posts it for them, whichever
interface they acknowledged from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import notifications, posts_to, process_bench, role_page_group, timeline
from tests.receivers import SmtpSink, WebhookSink

JOINING = "Nadia Haddad acknowledged and is joining the situation room https://meet.illumidesk.example/situation-room"


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def declare(bench: PagingBench, severity: str) -> int:
    response = bench.client("amara").post(
        "/api/v1/incidents", json={"title": "Git pushes fail", "severity": severity, "page": ["imoc"]}
    )
    assert response.status_code == 201, response.text
    bench.worker.run_once()
    return int(response.json()["id"])


def test_acknowledging_an_s2_page_posts_joining_the_situation_room_to_production(bench: PagingBench) -> None:
    n = declare(bench, "S2")
    group = role_page_group(bench, n, "imoc")
    assert bench.client("nadia").post(f"/api/v1/alert-groups/{group}/acknowledge").status_code == 200
    bench.worker.run_once()
    assert any(JOINING in post for post in posts_to(bench, "production"))
    assert any(e["kind"] == "announced" and JOINING in e["message"] for e in timeline(bench, n))


def test_acknowledging_through_the_signed_link_posts_it_too(bench: PagingBench) -> None:
    declare(bench, "S1")
    [page] = notifications(bench, "nadia", "page")
    path = str(page["links"]["acknowledge"]).removeprefix("http://onwatch.test")
    assert bench.api.get(path).status_code == 200  # the confirmation page
    assert bench.api.post(path).status_code == 200, "the button acknowledges"
    bench.worker.run_once()
    assert any(JOINING in post for post in posts_to(bench, "production"))


def test_acknowledging_an_s3_page_posts_nothing_to_production(bench: PagingBench) -> None:
    n = declare(bench, "S3")
    before = len(posts_to(bench, "production"))
    group = role_page_group(bench, n, "imoc")
    bench.client("nadia").post(f"/api/v1/alert-groups/{group}/acknowledge")
    bench.worker.run_once()
    assert len(posts_to(bench, "production")) == before
