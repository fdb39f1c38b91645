"""Reminders through the engine's durable timers, on the fake clock: the same-evening "start the
RCA" in the owner's own zone, and the due-date reminders, each exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import notifications, process_bench
from tests.receivers import SmtpSink, WebhookSink
from tests.reviews.helpers import ok


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as b:
        yield b


def resolve_s2(bench: PagingBench) -> int:
    """Declared 09:00Z by maria, the EOC lukas (Europe/Berlin) engages and owns it, resolves 09:30Z."""
    maria, lukas = bench.client("maria"), bench.client("lukas")
    n = ok(maria.post("/api/v1/incidents", json={"title": "Checkout errors", "severity": "S2"}), 201)["id"]
    ok(lukas.post(f"/api/v1/incidents/{n}/roles/eoc/engage", json={}))
    bench.advance(30)
    ok(lukas.post(f"/api/v1/incidents/{n}/resolve"))
    return int(n)


def rca_reminders(bench: PagingBench, person: str) -> list[str]:
    return [
        n["text"] for n in notifications(bench, person, "reminder") if n["title"].startswith("Start the RCA")
    ]


def run_until(bench: PagingBench, when: datetime) -> None:
    while bench.clock.now() < when:
        bench.advance(30)


def test_the_eoc_is_reminded_the_same_evening_if_the_review_is_not_started(bench: PagingBench) -> None:
    resolve_s2(bench)
    # 17:00 in Berlin is 16:00 UTC in December
    run_until(bench, datetime(2026, 12, 1, 15, 30, tzinfo=UTC))
    assert rca_reminders(bench, "lukas") == []
    run_until(bench, datetime(2026, 12, 1, 16, 30, tzinfo=UTC))
    assert rca_reminders(bench, "lukas") == [
        "Do not end your work day without starting the RCA: the incident resolved today and you own its "
        "review (due 2026-12-15)."
    ]
    run_until(bench, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert len(rca_reminders(bench, "lukas")) == 1  # exactly once
    assert rca_reminders(bench, "maria") == []


def test_no_evening_reminder_once_the_owner_started_the_review(bench: PagingBench) -> None:
    n = resolve_s2(bench)
    lukas = bench.client("lukas")
    rid = ok(lukas.get(f"/api/v1/incidents/{n}/review"))["id"]
    ok(
        lukas.put(
            f"/api/v1/reviews/{rid}/sections", json={"sections": {"summary": "Disk full"}, "base_version": 1}
        )
    )
    run_until(bench, datetime(2026, 12, 1, 18, 0, tzinfo=UTC))
    assert rca_reminders(bench, "lukas") == []


def test_due_date_reminders_go_out_before_on_and_after_once_each_and_stop_when_completed(
    bench: PagingBench,
) -> None:
    n = resolve_s2(bench)
    lukas = bench.client("lukas")
    rid = ok(lukas.get(f"/api/v1/incidents/{n}/review"))["id"]
    ok(lukas.post(f"/api/v1/reviews/{rid}/start"))
    due = datetime(2026, 12, 15, 9, 30, tzinfo=UTC)
    for day in range(16):
        bench.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC) + timedelta(days=day, hours=23))
        bench.worker.run_once()
    titles = [n["title"] for n in notifications(bench, "lukas", "reminder") if "review #" in n["title"]]
    assert titles == [
        f"Review due soon: review #{rid}: Checkout errors",
        f"Review due today: review #{rid}: Checkout errors",
        f"Review overdue: review #{rid}: Checkout errors",
    ]
    overdue = ok(lukas.get("/api/v1/reviews?overdue=true"))
    assert [r["id"] for r in overdue] == [rid] and bench.clock.now() > due
    ok(
        lukas.post(
            f"/api/v1/reviews/{rid}/complete",
            json={"category": "Saturation", "final_severity": "S2", "no_actions_reason": "one-off"},
        )
    )
    assert ok(lukas.get("/api/v1/reviews?overdue=true")) == []


def test_an_overdue_near_miss_review_reaches_the_imoc_on_call(bench: PagingBench) -> None:
    aiko = bench.client("aiko")
    filed = ok(
        aiko.post("/api/v1/near-misses", json={"title": "Backups nearly filled /var", "severity": "S2"}), 201
    )
    for _ in range(40):
        bench.advance(24 * 60)
        bench.worker.run_once()
    overdue = f"Review overdue: review #{filed['id']}: Backups nearly filled /var"
    assert overdue in [n["title"] for n in notifications(bench, "aiko", "reminder")]
    managers = [
        p
        for p in ("nadia", "tom", "grace")
        if overdue in [n["title"] for n in notifications(bench, p, "reminder")]
    ]
    assert len(managers) == 1  # the IMOC on call then, once
