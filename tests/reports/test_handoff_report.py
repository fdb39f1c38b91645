"""The shift handoff report: at every EOC, IMOC and CMOC handoff the outgoing and the incoming person
get what the shift saw (pages, incidents, open groups, follow-ups, alert-rule changes, handoff notes),
once per handoff, at the instant the schedules say, DST included. The demo clock: Tue 2026-12-01
09:00Z, amara holds the EOC role until the AMER window opens at 08:00 Los Angeles (16:00Z), then
maria; sofia is the CMOC until 08:00 Denver (15:00Z), then ben."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import ConfigError, load_config
from onwatch.db.tables import timers
from onwatch.directory.tokens import TokenRole
from onwatch.reports.handoff.timers import HANDOFF_REPORT
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import demo_everyone_on_webhook, notifications, process_bench
from tests.receivers import SmtpSink, WebhookSink

REPORTS = "\nhandoff_reports: {roles: [eoc, imoc, cmoc]}\n"


def reporting(bench: PagingBench) -> str:
    """The demo with everyone on webhooks and a report at every EOC, IMOC and CMOC handoff."""
    return demo_everyone_on_webhook(bench.webhook) + REPORTS


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        apply_config(bench.db, load_config(reporting(bench)), now=bench.clock.now(), applied_by="tests")
        yield bench


def reports(bench: PagingBench, person: str, role: str = "eoc") -> list[dict[str, Any]]:
    return [n for n in notifications(bench, person, "handoff_report") if n["ref"]["role"] == role]


def next_report_due(bench: PagingBench, role: str = "eoc") -> datetime:
    with bench.db.read() as uow:
        due = uow.conn.execute(
            sa.select(timers.c.due_at).where(
                timers.c.kind == HANDOFF_REPORT, timers.c.dedup_key.startswith(f"handoff:{role}:")
            )
        ).scalar_one()
    assert isinstance(due, datetime)
    return due


def move_to(bench: PagingBench, when: datetime) -> None:
    bench.clock.advance(when - bench.clock.now())
    bench.worker.run_once()


def test_the_incoming_eoc_gets_the_shift_report_at_handoff(bench: PagingBench) -> None:
    group = bench.fire(alertname="DiskFilling").json()["groups"][0]
    amara = bench.client("amara")
    amara.post(f"/api/v1/alert-groups/{group}/acknowledge")
    amara.post(f"/api/v1/alert-groups/{group}/feedback", json={"choice": "flappy", "comment": "every deploy"})
    amara.post("/api/v1/handoffs", json={"role": "eoc", "text": "DiskFilling's for: went to 10m, watch it"})
    amara.post("/api/v1/incidents", json={"title": "Checkout slow", "severity": "S3"})
    assert next_report_due(bench) == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    move_to(bench, datetime(2026, 12, 1, 15, 59, tzinfo=UTC))
    assert reports(bench, "maria") == [] and reports(bench, "amara") == []
    move_to(bench, datetime(2026, 12, 1, 16, 0, tzinfo=UTC))
    [incoming] = reports(bench, "maria")
    [outgoing] = reports(bench, "amara")
    assert incoming["title"] == "EOC handoff Tue 01 Dec 16:00 UTC: amara to maria" == outgoing["title"]
    assert (incoming["ref"]["side"], outgoing["ref"]["side"]) == ("incoming", "outgoing")
    text = incoming["text"]
    assert "Shift Tue 01 Dec 08:00 to Tue 01 Dec 16:00 UTC, amara hands EOC to maria." in text
    assert "Pages this shift (1)\n- Tue 09:00 UTC alert group #1: DiskFilling on web" in text
    assert "Incidents (1)\n- #1 [S3] Checkout slow: investigating (declared this shift)" in text
    assert "Open alert groups (1)\n- #1 DiskFilling on web [alertname=DiskFilling] (acknowledged)" in text
    assert "Follow-ups opened (1)\n- #1 Alert rule DiskFilling (prometheus) flaps" in text
    assert "Handoff notes (1)\n- amara: DiskFilling's for: went to 10m, watch it" in text
    assert incoming["facts"]["pages"] == "1" and incoming["facts"]["follow-ups opened"] == "1"
    # the next one is already waiting: maria to the APAC rotation at 09:00 Tokyo (00:00Z)
    assert next_report_due(bench) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)


def test_the_cmoc_handoff_gets_its_report_too(bench: PagingBench) -> None:
    move_to(bench, datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    assert [r["title"] for r in reports(bench, "ben", "cmoc")] == [
        "CMOC handoff Tue 01 Dec 15:00 UTC: sofia to ben"
    ]
    assert len(reports(bench, "sofia", "cmoc")) == 1 and reports(bench, "amara") == []


def test_a_handoff_report_goes_out_once_even_if_its_timer_runs_again(bench: PagingBench) -> None:
    at = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    move_to(bench, at)
    with bench.db.write() as uow:  # the same handoff's timer again (a retried or duplicated decision)
        uow.timers.schedule(
            HANDOFF_REPORT, at, {"role": "eoc", "at": at.isoformat()}, "again", bench.clock.now()
        )
    bench.worker.run_once()
    assert len(reports(bench, "maria")) == 1 and len(reports(bench, "amara")) == 1


def test_an_override_moves_the_handoff_and_each_change_of_hands_gets_a_report(bench: PagingBench) -> None:
    cover = bench.client("lukas").post(
        "/api/v1/schedules/sre-8-hour/overrides",
        json={"person": "lukas", "start": "2026-12-01T12:00:00Z", "end": "2026-12-01T14:00:00Z"},
    )
    assert cover.status_code == 201, cover.text
    assert next_report_due(bench) == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    move_to(bench, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert [r["title"] for r in reports(bench, "lukas")] == [
        "EOC handoff Tue 01 Dec 12:00 UTC: amara to lukas"
    ]
    move_to(bench, datetime(2026, 12, 1, 16, 0, tzinfo=UTC))
    assert [r["title"] for r in reports(bench, "amara")] == [
        "EOC handoff Tue 01 Dec 12:00 UTC: amara to lukas",
        "EOC handoff Tue 01 Dec 14:00 UTC: lukas to amara",
        "EOC handoff Tue 01 Dec 16:00 UTC: amara to maria",
    ]


def test_the_handoff_report_follows_daylight_saving_time(bench: PagingBench) -> None:
    """Los Angeles springs forward on 14 March 2027, London only on the 28th: in between the AMER
    window opens at 15:00Z, an hour before EMEA's closes, and the handoff moves with it."""
    bench.clock.set(datetime(2027, 3, 16, 9, 0, tzinfo=UTC))
    text = reporting(bench)
    apply_config(bench.db, load_config(text), now=bench.clock.now(), applied_by="tests")
    assert next_report_due(bench) == datetime(2027, 3, 16, 15, 0, tzinfo=UTC)
    move_to(bench, datetime(2027, 3, 16, 14, 59, tzinfo=UTC))
    assert notifications(bench, "amara", "handoff_report") == []
    move_to(bench, datetime(2027, 3, 16, 15, 0, tzinfo=UTC))
    [report] = [
        n for n in bench_reports(bench) if n["ref"]["role"] == "eoc" and n["ref"]["side"] == "incoming"
    ]
    assert report["title"].startswith("EOC handoff Tue 16 Mar 15:00 UTC:")
    # after London's change too, EMEA's 16:00 is 15:00Z again: the same handoff, the same instant
    bench.clock.set(datetime(2027, 3, 30, 9, 0, tzinfo=UTC))
    apply_config(bench.db, load_config(text), now=bench.clock.now(), applied_by="tests")
    assert next_report_due(bench) == datetime(2027, 3, 30, 15, 0, tzinfo=UTC)
    assert next_report_due(bench, "imoc") - bench.clock.now() < timedelta(days=7)


def bench_reports(bench: PagingBench) -> list[dict[str, Any]]:
    return [
        r.json["notification"]
        for r in bench.webhook.requests
        if isinstance(r.json, dict) and r.json.get("notification", {}).get("kind") == "handoff_report"
    ]


def test_only_the_roles_the_config_names_get_a_handoff_report(bench: PagingBench) -> None:
    only_eoc = demo_everyone_on_webhook(bench.webhook) + "\nhandoff_reports: {roles: [eoc]}\n"
    apply_config(bench.db, load_config(only_eoc), now=bench.clock.now(), applied_by="tests")
    move_to(bench, datetime(2026, 12, 1, 16, 0, tzinfo=UTC))
    assert reports(bench, "ben", "cmoc") == [] and len(reports(bench, "maria")) == 1
    off = demo_everyone_on_webhook(bench.webhook)
    apply_config(bench.db, load_config(off), now=bench.clock.now(), applied_by="tests")
    move_to(bench, datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    assert bench_reports(bench) == [r for r in bench_reports(bench) if r["ref"]["handoff_at"] < "2026-12-02"]
    with pytest.raises(ConfigError) as security:
        load_config(off + "\nhandoff_reports: {roles: [security]}\n")
    assert security.value.issues[0].path.startswith("handoff_reports.roles")


def test_the_shift_report_so_far_can_be_read_before_the_handoff(bench: PagingBench) -> None:
    bench.fire(alertname="DiskFilling")
    bench.client("amara").post("/api/v1/handoffs", json={"role": "eoc", "text": "watch DiskFilling"})
    bench.clock.advance(timedelta(minutes=1))
    now = bench.client("lukas", TokenRole.VIEWER).get("/api/v1/handoffs/report", params={"role": "eoc"})
    assert now.status_code == 200, now.text
    report = now.json()
    assert (report["holder"], report["shift_start"]) == ("amara", "2026-12-01T08:00:00+00:00")
    assert "Pages this shift (1)" in report["text"] and "- amara: watch DiskFilling" in report["text"]
    refused = bench.client().get("/api/v1/handoffs/report", params={"role": "security"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "query.role"
