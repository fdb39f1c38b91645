"""Role checklists (PROCESS.md §2 rule 9: "each role has a checklist"): when a role engages, its
checklist shows on the incident page, in its page and in the chat answer; items are ticked from the
API, the CLI, chat and the web, each tick on the timeline; required items left unticked are listed
in the review's prefill. The demo's checklists come from PROCESS.md's responsibilities."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from onwatch.bootstrap import Onwatch
from onwatch.config.loader import ConfigError, load_config
from onwatch.settings import Settings
from tests.chat.test_chat import SECRET, Slack
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import notifications, process_bench, timeline
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"slack_signing_secret": SECRET})


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def test_engaging_as_imoc_shows_the_imoc_checklist_and_ticks_land_on_the_timeline(
    bench: PagingBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(bench.api, TestClient)
    slack = Slack(bench.api, bench.clock)
    slack.say("U01AMARA", "/incident", 'declare "Pushes time out" --sev 2')
    bench.worker.run_once()
    page = notifications(bench, "nadia", "page")[0]
    assert (
        "Your IMOC checklist:\n[ ] Take ownership: state and status are yours until you hand over"
        in page["text"]
    )
    assert bench.client("amara").get("/api/v1/incidents/1/checklists").json() == []  # nobody engaged yet

    answer = slack.say("U01NADIA", "/incident", "ack 1")["text"].splitlines()
    assert answer[1] == "Your IMOC checklist (/incident tick 1 imoc <item>):"
    assert answer[2] == "[ ] Take ownership: state and status are yours until you hand over (own)"

    set_passwords(bench.db, bench.clock, "nadia")
    browser = Browser(bench.api)
    browser.sign_in("nadia")
    shown = browser.get("/incidents/1").text.split('id="checklist-imoc"')[1].split("</ul>")[0]
    assert 'IMOC <span class="meta">(0 of 6 done)</span>' in shown
    assert "Get the people needed from other teams engaged within minutes" in shown

    ticked = bench.client("nadia").post("/api/v1/incidents/1/checklists/imoc/own", json={})
    assert ticked.status_code == 200, ticked.text
    assert ticked.json()["done"] == 1 and ticked.json()["items"][0]["ticked_by"] == "nadia"
    from onwatch.cli import context
    from onwatch.cli.main import app

    monkeypatch.setattr(context, "onwatch", lambda: bench.onwatch)
    monkeypatch.setattr("onwatch.incidents.cli.onwatch", lambda: bench.onwatch)
    cli = CliRunner().invoke(app, ["incident", "tick", "1", "imoc", "responders", "--as", "nadia"])
    assert cli.exit_code == 0 and cli.output.strip() == "IMOC checklist: 2 of 6 done", cli.output
    chat = slack.say("U01NADIA", "/incident", "tick 1 imoc escalate")["text"]
    assert chat.startswith("IMOC checklist on incident #1: 3 of 6 done\n[x] Take ownership")
    web = browser.post("/incidents/1/checklists", {"role": "imoc", "item": "cmoc", "done": "1"})
    assert web.status_code == 303
    listed = CliRunner().invoke(app, ["incident", "checklist", "1"])
    assert "IMOC (4 of 6 done)" in listed.output and "  [ ] Keep the public status true" in listed.output

    ticks = [
        (e["actor"], e["interface"], e["message"])
        for e in timeline(bench, 1)
        if e["kind"] == "checklist_ticked"
    ]
    assert ticks == [
        (
            "nadia",
            "api",
            "nadia ticked on the IMOC checklist: Take ownership: state and status are yours until you hand over (1 of 6 done)",
        ),
        (
            "nadia",
            "cli",
            "nadia ticked on the IMOC checklist: Get the people needed from other teams engaged within minutes (page someone who knows ...) (2 of 6 done)",
        ),
        (
            "nadia",
            "chat",
            "nadia ticked on the IMOC checklist: No answer from them? Escalate to their manager or director (3 of 6 done)",
        ),
        (
            "nadia",
            "web",
            "nadia ticked on the IMOC checklist: Choose a CMOC for serious incidents, or act as CMOC for a short or non-critical one (4 of 6 done)",
        ),
    ]
    untick = bench.client("nadia").post("/api/v1/incidents/1/checklists/imoc/cmoc", json={"ticked": False})
    assert untick.json()["done"] == 3 and "cmoc" in untick.json()["open_required"]


def test_unticked_required_items_are_listed_in_the_review_prefill(bench: PagingBench) -> None:
    amara = bench.client("amara")
    amara.post("/api/v1/incidents", json={"title": "Registry pulls fail", "severity": "S2"})
    amara.post("/api/v1/incidents/1/roles/eoc/engage")
    for item in ("ack", "declare", "imoc", "timeline", "state"):
        assert amara.post(f"/api/v1/incidents/1/checklists/eoc/{item}").status_code == 200
    nadia = bench.client("nadia")
    assert nadia.post("/api/v1/incidents/1/roles/imoc/engage").status_code == 200
    nadia.post("/api/v1/incidents/1/checklists/imoc/own")
    assert nadia.post("/api/v1/incidents/1/resolve").status_code == 200
    review = nadia.get("/api/v1/incidents/1/review").json()
    assert review["prefill"]["unticked_checklist"] == [
        {"role": "eoc", "item": "rca", "text": "Start the review (RCA) the same day the incident resolves"},
        {
            "role": "imoc",
            "item": "responders",
            "text": "Get the people needed from other teams engaged within minutes (page someone who knows ...)",
        },
        {
            "role": "imoc",
            "item": "escalate",
            "text": "No answer from them? Escalate to their manager or director",
        },
        {
            "role": "imoc",
            "item": "cmoc",
            "text": "Choose a CMOC for serious incidents, or act as CMOC for a short or non-critical one",
        },
        {
            "role": "imoc",
            "item": "status",
            "text": "Keep the public status true: Partial or Service Disruption needs you engaged",
        },
    ]  # the IMOC's optional "review" item is not listed


def test_ticking_a_role_that_has_not_engaged_or_an_unknown_item_is_a_422_naming_the_field(
    bench: PagingBench,
) -> None:
    amara = bench.client("amara")
    amara.post("/api/v1/incidents", json={"title": "Search is slow", "severity": "S4"})
    early = amara.post("/api/v1/incidents/1/checklists/cmoc/cadence")
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "role"
    assert "the CMOC has not engaged on incident #1" in early.json()["detail"]
    amara.post("/api/v1/incidents/1/roles/eoc/engage")
    unknown = amara.post("/api/v1/incidents/1/checklists/eoc/nope")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "item"
    assert [e for e in timeline(bench, 1) if e["kind"] == "checklist_ticked"] == []
    assert bench.client("amara").get("/api/v1/incidents/1/checklists").json()[0]["done"] == 0


def test_a_checklist_item_id_that_cannot_be_typed_is_an_error_at_its_path() -> None:
    text = """
organisation: {name: Acme}
roles:
  imoc: {name: IMOC, checklist: [{id: "Bad Id", text: Own it}]}
"""
    with pytest.raises(ConfigError) as err:
        load_config(text)
    assert [i.path for i in err.value.issues] == ["roles.imoc.checklist[0].id"]


def test_a_duplicate_checklist_id_is_an_error_at_its_path() -> None:
    text = """
organisation: {name: Acme}
roles:
  imoc: {name: IMOC, checklist: [{id: own, text: Own it}, {id: own, text: Own it again}]}
"""
    with pytest.raises(ConfigError) as err:
        load_config(text)
    assert {i.path: i.message for i in err.value.issues} == {
        "roles.imoc.checklist[1].id": "'own' is already the id of checklist[0]"
    }
