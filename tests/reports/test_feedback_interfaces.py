"""Feedback from the web UI (the alert group's page, the follow-up list), the CLI and Slack: the
same commands as the API, each entry on the group's timeline with its interface."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.settings import Settings
from tests.chat.test_chat import SECRET, Slack
from tests.cli_helpers import Cli, in_process_cli
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import process_bench
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"slack_signing_secret": SECRET})


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        set_passwords(bench.db, bench.clock, "amara", "ben")
        yield bench


@pytest.fixture
def cli(bench: PagingBench, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """`onwatch ...` in this process, on the bench's database (built from the environment)."""
    with in_process_cli(database_url, monkeypatch) as cli:
        yield cli


def thread(bench: PagingBench, group: int) -> list[tuple[str, str | None, str, str]]:
    found = bench.client().get(f"/api/v1/alert-groups/{group}/feedback").json()["feedback"]
    return [(f["author"], f["choice"], f["comment"], f["interface"]) for f in found]


def test_the_alert_group_page_shows_the_thread_and_takes_a_verdict(bench: PagingBench) -> None:
    group = bench.fire().json()["groups"][0]
    assert isinstance(bench.api, TestClient)
    browser = Browser(bench.api)
    assert (
        browser.get(f"/alerts/{group}/feedback", follow_redirects=False)
        .headers["location"]
        .startswith("/login")
    )
    assert browser.get("/follow-ups", follow_redirects=False).headers["location"] == "/login?next=/follow-ups"
    browser.sign_in("amara")
    assert f'hx-get="/alerts/{group}/feedback"' in browser.get(f"/alerts/{group}").text
    fragment = browser.get(f"/alerts/{group}/feedback").text
    assert "No feedback yet" in fragment and 'value="flappy"' in fragment
    posted = browser.post(f"/alerts/{group}/feedback", {"choice": "flappy", "comment": "every deploy"})
    assert posted.status_code == 303 and posted.headers["location"] == f"/alerts/{group}#feedback"
    assert thread(bench, group) == [("amara", "flappy", "every deploy", "web")]
    fragment = browser.get(f"/alerts/{group}/feedback").text
    assert "every deploy" in fragment and "Alert rule HighErrorRate (prometheus) flaps" in fragment
    listed = browser.get("/follow-ups").text
    assert "HighErrorRate" in listed and "Amara Okafor" in listed
    item = bench.client().get("/api/v1/follow-ups").json()[0]["id"]
    assert browser.post(f"/follow-ups/{item}/close", {"note": "for: 10m"}).status_code == 303
    assert "for: 10m" in browser.get("/follow-ups?status=closed").text
    bad = browser.post(f"/alerts/{group}/feedback", {"choice": "meh"})
    assert bad.status_code == 422 and len(thread(bench, group)) == 1


def test_a_comment_alone_joins_the_thread_and_a_post_without_a_session_writes_nothing(
    bench: PagingBench,
) -> None:
    group = bench.fire().json()["groups"][0]
    assert isinstance(bench.api, TestClient)
    browser = Browser(bench.api)
    browser.sign_in("amara")
    browser.post(f"/alerts/{group}/feedback", {"choice": "", "comment": "looking"})
    assert thread(bench, group) == [("amara", None, "looking", "web")]
    nobody = Browser(bench.api)
    refused = nobody.client.post(
        f"/alerts/{group}/feedback", data={"choice": "flappy"}, follow_redirects=False
    )
    assert refused.status_code == 303 and len(thread(bench, group)) == 1  # to the sign-in, nothing written


def test_onwatch_feedback_from_the_terminal_opens_the_follow_up(bench: PagingBench, cli: Cli) -> None:
    group = bench.fire().json()["groups"][0]
    done = cli("feedback", str(group), "flappy", "--comment", "fires every deploy", "--as", "lukas")
    assert done.exit_code == 0, done.output
    assert f"alert group #{group}: flappy (fires every deploy)" in done.output
    # the CLI runs on the real clock: the owner is whoever holds the EOC role now
    assert "[open] Flappy: HighErrorRate (prometheus)" in done.output and "; owner " in done.output
    assert thread(bench, group) == [("lukas", "flappy", "fires every deploy", "cli")]
    listed = cli("follow-up", "list", "--status", "open")
    assert listed.exit_code == 0 and "[open] Flappy: HighErrorRate (prometheus)" in listed.output
    closed = cli("follow-up", "close", "1", "--note", "for: 10m", "--as", "amara")
    assert closed.exit_code == 0 and "[closed]" in closed.output
    wrong = cli("feedback", str(group), "meh", "--as", "lukas")
    assert wrong.exit_code == 1 and "unknown choice 'meh'" in wrong.output


def test_slash_feedback_records_a_verdict_as_the_mapped_person(bench: PagingBench) -> None:
    group = bench.fire().json()["groups"][0]
    assert isinstance(bench.api, TestClient)
    slack = Slack(bench.api, bench.clock)
    reply = slack.say("U01AMARA", "/feedback", f"#{group} incorrect the threshold is 1% not 0.1%")
    assert reply["response_type"] == "ephemeral"
    assert f"Alert group #{group}: incorrect, thanks. Follow-up #1 is open" in reply["text"]
    slack.say("U01LUKAS", "/feedback", f"{group} comment saw it too")
    assert thread(bench, group) == [
        ("amara", "incorrect", "the threshold is 1% not 0.1%", "chat"),
        ("lukas", None, "saw it too", "chat"),
    ]
    usage = slack.say("U01AMARA", "/feedback", "flappy")
    assert "usage: /feedback <alert group>" in usage["text"]


def test_the_review_lists_the_open_follow_ups_of_the_incidents_alert_groups(bench: PagingBench) -> None:
    group = bench.fire(alertname="DiskFilling").json()["groups"][0]
    amara = bench.client("amara")
    declared = amara.post(f"/api/v1/alert-groups/{group}/incident", json={"severity": "S2"})
    assert declared.status_code == 201, declared.text
    incident = declared.json()["incident_id"]
    amara.post(f"/api/v1/alert-groups/{group}/feedback", json={"choice": "incorrect"})
    resolved = amara.post(f"/api/v1/incidents/{incident}/resolve")
    assert resolved.status_code == 200, resolved.text
    [review] = bench.client("amara").get("/api/v1/reviews").json()
    assert isinstance(bench.api, TestClient)
    browser = Browser(bench.api)
    browser.sign_in("amara")
    page = browser.get(f"/reviews/{review['id']}").text
    assert (
        "Open follow-ups of its alert groups (1)" in page
        and "Alert rule DiskFilling (prometheus) is incorrect" in page
    )
    bench.client("amara").post("/api/v1/follow-ups/1/close", json={"note": "threshold fixed"})
    assert "Open follow-ups of its alert groups" not in browser.get(f"/reviews/{review['id']}").text
