"""Responders beyond the four roles (PROCESS.md §2 rules 5 and 8): from an incident, page someone
who knows an area (the owning team's on-call if it has a schedule, else the people who know it) or a
named person, with the reason; unanswered, the page climbs their managers, each step on the
incident's timeline. Demo clock: Tue 2026-12-01 09:00Z, kwame on the Gitaly schedule (his manager
priya, hers grace)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.settings import Settings
from tests.chat.test_chat import SECRET
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import notifications, process_bench, timeline
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"slack_signing_secret": SECRET})


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def declare(bench: PagingBench, severity: str = "S2") -> int:
    made = bench.client("amara").post(
        "/api/v1/incidents", json={"title": "Pushes time out", "severity": severity, "services": ["git"]}
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def responder_pages(bench: PagingBench, person: str) -> list[dict[str, Any]]:
    """The responder pages a person received (not the IMOC page an S2 sends too)."""
    return [n for n in notifications(bench, person, "page") if n["title"].startswith("Needed on incident")]


def engage(bench: PagingBench, incident: int, **body: Any) -> httpx.Response:
    return bench.client("amara").post(f"/api/v1/incidents/{incident}/responders", json=body)


def test_paging_someone_who_knows_gitaly_pages_the_owning_teams_on_call(bench: PagingBench) -> None:
    incident = declare(bench)
    asked = engage(bench, incident, expertise="gitaly", reason="replication lag on gitaly-03")
    assert asked.status_code == 201, asked.text
    assert asked.json()["paged"] == ["kwame"] and asked.json()["joined_at"] is None
    bench.worker.run_once()
    pages = responder_pages(bench, "kwame")
    assert len(pages) == 1
    assert pages[0]["text"] == (
        "amara asks you to join incident #1 as someone who knows gitaly: replication lag on gitaly-03"
    )
    assert responder_pages(bench, "priya") == [] and responder_pages(bench, "daniel") == []
    requested = [e for e in timeline(bench, incident) if e["kind"] == "responder_requested"]
    assert requested[0]["message"].startswith(
        "amara asked for someone who knows Gitaly: replication lag on gitaly-03 (paging kwame: on call for "
        "team Gitaly, which owns Gitaly; their manager after 10 min without an answer)"
    )
    group = asked.json()["alert_group"]
    assert bench.client("kwame").post(f"/api/v1/alert-groups/{group}/acknowledge").status_code == 200
    listed = bench.client("amara").get(f"/api/v1/incidents/{incident}/responders").json()
    assert listed[0]["joined_by"] == "kwame" and listed[0]["joined_at"] is not None
    joined = [e["message"] for e in timeline(bench, incident) if e["kind"] == "responder_joined"]
    assert joined == ["kwame joined as someone who knows gitaly, 0 min after amara asked"]


def test_an_area_without_a_team_schedule_pages_the_people_who_know_it_and_can_answer_now(
    bench: PagingBench,
) -> None:
    incident = declare(bench)
    asked = engage(bench, incident, expertise="postgresql", reason="the primary is at 100% CPU")
    # amara is on call and hannah (Berlin, 10:00) in working hours; aiko (Tokyo, 18:00) and tom (Chicago, 03:00) are not
    assert asked.status_code == 201 and asked.json()["paged"] == ["amara", "hannah"]


def test_a_named_person_is_paged_with_the_reason(bench: PagingBench) -> None:
    incident = declare(bench)
    asked = engage(bench, incident, person="hannah", reason="you wrote the failover runbook")
    assert asked.status_code == 201 and asked.json()["paged"] == ["hannah"]
    bench.worker.run_once()
    assert (
        responder_pages(bench, "hannah")[0]["text"]
        == "amara asks you to join incident #1: you wrote the failover runbook"
    )


def test_an_unanswered_responder_escalates_to_their_manager_after_10_minutes(bench: PagingBench) -> None:
    incident = declare(bench, "S2")
    group = engage(bench, incident, expertise="gitaly", reason="replication lag").json()["alert_group"]
    bench.worker.run_once()
    bench.advance(9)
    assert responder_pages(bench, "priya") == []
    bench.advance(1)
    to_priya = responder_pages(bench, "priya")
    assert len(to_priya) == 1
    assert to_priya[0]["text"].startswith(
        "Nobody has answered amara's call for someone who knows gitaly on incident #1 (kwame paged): replication lag."
    )
    messages = [e["message"] for e in timeline(bench, incident) if e["kind"] == "paged"]
    assert any(
        m
        == f"alert group #{group}: paged kwame as responder for someone who knows Gitaly (step 1) via webhook at 0m"
        for m in messages
    )
    assert any(
        m.startswith(f"alert group #{group}: paged priya as manager of kwame (step 2)") for m in messages
    )
    bench.advance(10)  # then the manager's manager
    assert len(responder_pages(bench, "grace")) == 1
    assert any(
        m.startswith(f"alert group #{group}: paged grace as manager of priya (step 3)")
        for m in (e["message"] for e in timeline(bench, incident))
    )
    assert bench.client("grace").post(f"/api/v1/alert-groups/{group}/acknowledge").status_code == 200
    listed = bench.client("amara").get(f"/api/v1/incidents/{incident}/responders").json()
    assert listed[0]["joined_by"] == "grace"


def test_acknowledging_stops_the_climb_and_s3_waits_the_ack_timeout(bench: PagingBench) -> None:
    incident = declare(bench, "S3")
    group = engage(bench, incident, expertise="gitaly").json()["alert_group"]
    bench.worker.run_once()
    bench.advance(10)
    assert responder_pages(bench, "priya") == []  # S3: process.ack_timeout, 15 minutes
    assert bench.client("kwame").post(f"/api/v1/alert-groups/{group}/acknowledge").status_code == 200
    bench.advance(30)
    assert responder_pages(bench, "priya") == [] and responder_pages(bench, "grace") == []


def test_unknown_expertise_or_person_is_a_422_naming_the_field_and_nothing_is_paged(
    bench: PagingBench,
) -> None:
    incident = declare(bench)
    unknown = engage(bench, incident, expertise="cobol")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "expertise"
    nobody = engage(bench, incident, person="zed")
    assert nobody.status_code == 422 and nobody.json()["errors"][0]["field"] == "person"
    both = engage(bench, incident, person="priya", expertise="gitaly")
    assert both.status_code == 422
    assert bench.client("amara").get(f"/api/v1/incidents/{incident}/responders").json() == []
    assert [e for e in timeline(bench, incident) if e["kind"] == "responder_requested"] == []


def test_resolving_the_incident_stands_the_responder_page_down(bench: PagingBench) -> None:
    incident = declare(bench, "S3")
    engage(bench, incident, expertise="gitaly")
    bench.client("amara").post(f"/api/v1/incidents/{incident}/roles/eoc/engage")
    assert bench.client("amara").post(f"/api/v1/incidents/{incident}/resolve").status_code == 200, "resolve"
    listed = bench.client("amara").get(f"/api/v1/incidents/{incident}/responders").json()
    assert listed[0]["page_status"] == "resolved"


def test_engage_responder_from_chat_the_cli_and_the_web(
    bench: PagingBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from onwatch.cli import context
    from onwatch.cli.main import app
    from tests.chat.test_chat import Slack
    from tests.web_helpers import Browser, set_passwords

    incident = declare(bench)
    assert isinstance(bench.api, TestClient)
    reply = Slack(bench.api, bench.clock).say(
        "U01AMARA", "/incident", f"engage-responder {incident} gitaly replication lag"
    )
    assert reply["response_type"] == "in_channel"
    groups = [
        r["alert_group"] for r in bench.client("amara").get(f"/api/v1/incidents/{incident}/responders").json()
    ]
    assert reply["text"] == (
        f"amara paged kwame as someone who knows gitaly for incident #{incident} (alert group #{groups[0]}): "
        "replication lag"
    )
    unknown = Slack(bench.api, bench.clock).say("U01AMARA", "/incident", f"engage-responder {incident} cobol")
    assert unknown["text"] == ":warning: expertise: 'cobol' is neither an area of expertise nor a person"

    monkeypatch.setattr(context, "onwatch", lambda: bench.onwatch)
    monkeypatch.setattr("onwatch.incidents.cli.onwatch", lambda: bench.onwatch)
    done = CliRunner().invoke(
        app,
        ["incident", "engage-responder", str(incident), "hannah", "--reason", "failover", "--as", "amara"],
    )
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"paged hannah for incident #{incident} (alert group #{groups[0] + 1})"
    listed = CliRunner().invoke(app, ["incident", "responders", str(incident)])
    assert (
        "someone who knows gitaly: asked 09:00 UTC by amara (paged kwame), page triggered; replication lag"
        in listed.output
    )

    set_passwords(bench.db, bench.clock, "amara")
    browser = Browser(bench.api)
    browser.sign_in("amara")
    page = browser.get(f"/incidents/{incident}").text
    assert 'id="responder-form"' in page and '<option value="gitaly">Gitaly</option>' in page
    posted = browser.post(
        f"/incidents/{incident}/responders",
        {"expertise": "postgresql", "reason": "CPU at 100%", "person": ""},
    )
    assert posted.status_code == 303, posted.text
    table = browser.get(f"/incidents/{incident}").text.split('id="responders-table"')[1].split("</table>")[0]
    assert (
        "someone who knows postgresql" in table
        and "Amara Okafor, Hannah Schmidt" in table
        and "CPU at 100%" in table
    )
    refused = browser.post(f"/incidents/{incident}/responders", {"expertise": "", "person": "", "reason": ""})
    assert refused.status_code == 422 and "choose an area of expertise or a person" in refused.text
