"""The directory (PROCESS.md §2 rule 8): the team page lists areas of expertise, and responders ask
who knows an area and who of them can answer now, by API, CLI and chat. At the demo clock (Tue
2026-12-01 09:00Z) kwame is on the Gitaly schedule; priya (Dublin, 09:00) and lukas (Berlin, 10:00)
are in their working hours; daniel (Toronto, 04:00) is asleep."""

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
from tests.process_helpers import process_bench
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"slack_signing_secret": SECRET})


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def test_who_knows_gitaly_lists_the_on_call_first_then_those_in_working_hours(bench: PagingBench) -> None:
    answer = bench.client("amara").get("/api/v1/people?expertise=gitaly")
    assert answer.status_code == 200, answer.text
    people = answer.json()
    assert [p["id"] for p in people] == ["kwame", "priya", "lukas", "daniel"]
    kwame, priya, _lukas, daniel = people
    assert kwame["on_call"] == ["gitaly"] and kwame["team"] == "gitaly"
    assert priya["on_call"] == [] and priya["in_working_hours"] is True
    assert priya["title"] == "Engineering Manager, Gitaly" and priya["managers"] == ["grace"]
    assert daniel["in_working_hours"] is False and daniel["managers"] == ["priya", "grace"]


def test_an_unknown_expertise_is_a_422_naming_the_query_field(bench: PagingBench) -> None:
    answer = bench.client("amara").get("/api/v1/people?expertise=cobol")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "query.expertise"
    assert "unknown expertise 'cobol'" in answer.json()["detail"]


def test_the_people_list_carries_title_team_manager_and_expertise(bench: PagingBench) -> None:
    people = {p["id"]: p for p in bench.client("amara").get("/api/v1/people").json()}
    assert people["amara"]["title"] == "Senior SRE" and people["amara"]["manager"] == "nadia"
    assert people["amara"]["expertise"] == ["kubernetes", "postgresql"]
    assert people["amara"]["on_call"] == ["sre-8-hour"]
    one = bench.client("amara").get("/api/v1/people/hannah").json()
    assert one["team"] == "database" and one["managers"] == ["tom", "grace"]


def test_onwatch_who_knows_prints_who_is_reachable_now(
    bench: PagingBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onwatch.cli import context
    from onwatch.cli.main import app

    monkeypatch.setattr(context, "onwatch", lambda: bench.onwatch)
    monkeypatch.setattr("onwatch.oncall.cli.onwatch", lambda: bench.onwatch)
    result = CliRunner().invoke(app, ["who-knows", "gitaly"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        lines[0].startswith("kwame")
        and "on call (gitaly), in working hours, Tue 09:00 in Africa/Accra" in lines[0]
    )
    assert lines[-1].startswith("daniel") and "off hours, Tue 04:00 in America/Toronto" in lines[-1]
    unknown = CliRunner().invoke(app, ["who-knows", "cobol"])
    assert unknown.exit_code != 0 and "unknown expertise 'cobol'" in unknown.output


def test_chat_who_knows_answers_only_the_person_who_asked(bench: PagingBench) -> None:
    assert isinstance(bench.api, TestClient)
    slack = Slack(bench.api, bench.clock)
    reply = slack.say("U01AMARA", "/who-knows", "gitaly")
    assert reply["response_type"] == "ephemeral"
    assert (
        reply["text"]
        .splitlines()[1]
        .startswith("• Kwame Asante, Backend Engineer, Gitaly (kwame): on call (gitaly)")
    )
    bad = slack.say("U01AMARA", "/who-knows", "cobol")
    assert "expertise: unknown expertise 'cobol'" in bad["text"]


BASE = """
organisation: {name: Acme}
people:
  ann: {name: Ann, email: ann@acme.example, team: sre, manager: bob, expertise: [dbs]}
  bob: {name: Bob, email: bob@acme.example, manager: cid}
  cid: {name: Cid, email: cid@acme.example, manager: ann}
  dee: {name: Dee, email: dee@acme.example, manager: dee, team: ops}
teams:
  sre: {name: SRE, members: [bob], owner: zed, schedule: nope}
expertise:
  postgresql: {name: PostgreSQL, team: dba}
"""


def test_wrong_directory_references_and_manager_cycles_are_errors_naming_their_path() -> None:
    with pytest.raises(ConfigError) as err:
        load_config(BASE)
    found = {i.path: i.message for i in err.value.issues}
    assert found == {
        "people.ann.team": "ann is not in teams.sre.members; list them there",
        "people.ann.expertise[0]": "unknown expertise 'dbs'",
        "people.dee.manager": "a person cannot be their own manager",
        "people.dee.team": "unknown team 'ops'",
        "teams.sre.owner": "unknown person 'zed'",
        "teams.sre.schedule": "unknown schedule 'nope'",
        "expertise.postgresql.team": "unknown team 'dba'",
        "people.ann.manager": "managers form a cycle: ann -> bob -> cid -> ann",
    }


def test_viewers_do_not_learn_who_is_on_the_security_schedule(bench: PagingBench) -> None:
    from onwatch.directory.tokens import TokenRole

    assert bench.client("amara").get("/api/v1/people/omar").json()["on_call"] == ["security"]
    assert bench.client("amara", TokenRole.VIEWER).get("/api/v1/people/omar").json()["on_call"] == []
