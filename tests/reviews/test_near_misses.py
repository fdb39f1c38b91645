"""Near misses: a review labelled Near Miss, owned by who noticed it; nobody paged, nothing public."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from onwatch.bootstrap import Onwatch
from onwatch.db.tables import incidents, outbox, timers
from onwatch.directory.tokens import TokenRole
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import process_bench
from tests.receivers import SmtpSink, WebhookSink
from tests.reviews.helpers import ok


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as b:
        yield b


def count(bench: PagingBench, table: sa.Table) -> int:
    with bench.db.read() as uow:
        return int(uow.conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_near_miss_pages_nobody_and_never_reaches_the_status_page(bench: PagingBench) -> None:
    aiko = bench.client("aiko")
    filed = ok(
        aiko.post(
            "/api/v1/near-misses",
            json={
                "title": "Backups nearly filled /var on git-03",
                "severity": "S2",
                "services": ["git"],
                "barrier": "the 80% disk alert",
                "lucky": "the backup finished before the disk did",
            },
        ),
        201,
    )
    assert (filed["kind"], filed["owner"], filed["reported_by"], filed["severity"]) == (
        "near_miss",
        "aiko",
        "aiko",
        "S2",
    )
    assert filed["labels"][0] == "Near Miss"
    assert filed["sections"]["barrier"] == "the 80% disk alert"
    assert filed["headings"]["barrier"] == "What caught it (the barrier)"
    bench.advance(60)
    assert count(bench, incidents) == 0
    assert count(bench, outbox) == 0  # no page, no announcement, no subscriber notice
    assert bench.webhook.requests == []
    with bench.db.read() as uow:
        kinds = {k for (k,) in uow.conn.execute(sa.select(timers.c.kind).distinct())}
    # no page, no escalation
    assert kinds <= {"review_reminder", "slo_evaluate", "review_digest", "report_digest"}
    page = bench.api.get("/status")
    assert page.status_code == 200 and "Backups nearly filled" not in page.text
    assert ok(bench.api.get("/status/api/v2/incidents.json"))["incidents"] == []


def test_a_near_miss_can_be_handed_to_who_knows_most_and_filed_without_ones_name(bench: PagingBench) -> None:
    aiko, amara = bench.client("aiko"), bench.client("amara")
    filed = ok(
        aiko.post(
            "/api/v1/near-misses",
            json={"title": "Wrong flag in staging", "severity": "S3", "anonymous": True},
        ),
        201,
    )
    rid = filed["id"]
    listed = ok(amara.get("/api/v1/reviews?kind=near_miss"))
    assert (listed[0]["owner"], listed[0]["reported_by"]) == ("anonymous", "anonymous")
    imoc = ok(bench.client("nadia").get("/api/v1/reviews?kind=near_miss"))
    assert (imoc[0]["owner"], imoc[0]["reported_by"]) == ("aiko", "aiko")
    handed = ok(aiko.post(f"/api/v1/reviews/{rid}/owner", json={"person": "ravi"}))
    assert handed["owner"] == "ravi"
    ok(aiko.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Lint flags in CI", "owner": "ravi"}), 201)
    assert ok(amara.get(f"/api/v1/reviews/{rid}"))["actions"][0]["owner"] == "ravi"


def test_a_near_miss_refuses_bad_input_naming_the_field(bench: PagingBench) -> None:
    aiko = bench.client("aiko")
    for body, field in (
        ({"title": "x", "severity": "S9"}, "severity"),
        ({"title": "   ", "severity": "S3"}, "title"),
        ({"title": "x", "severity": "S3", "owner": "ghost"}, "owner"),
        ({"title": "x", "severity": "S3", "services": ["nope"]}, "services"),
        ({"title": "x", "severity": "S3", "due": "2020-01-01T00:00:00Z"}, "due"),
    ):
        answer = aiko.post("/api/v1/near-misses", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field, (body, answer.text)
    assert bench.client("tom", TokenRole.VIEWER).post("/api/v1/near-misses", json={}).status_code == 403
    assert ok(aiko.get("/api/v1/reviews")) == []
