"""Slack slash commands: signed exactly as Slack signs them (slack_sdk's verifier makes the
signatures), run as the person mapped by chat id, every command on the timeline "via chat"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier

from onwatch.bootstrap import Onwatch, build
from onwatch.kernel.clock import FakeClock
from onwatch.settings import Settings
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import notifications, process_bench, timeline
from tests.receivers import SmtpSink, WebhookSink

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class Slack:
    """Posts slash commands the way Slack does."""

    def __init__(self, client: TestClient, clock: FakeClock) -> None:
        self.client = client
        self.clock = clock
        self.signer = SignatureVerifier(SECRET)

    def send(
        self, user: str, command: str, text: str, *, age: timedelta = timedelta(0), secret: str = SECRET
    ) -> httpx.Response:
        body = urlencode(
            {"command": command, "text": text, "user_id": user, "team_id": "T1", "channel_id": "C1"}
        )
        timestamp = str(int((self.clock.now() - age).timestamp()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
        return self.client.post(
            "/api/v1/chat/slack/commands",
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature or "",
            },
        )

    def say(self, user: str, command: str, text: str = "") -> dict[str, str]:
        response = self.send(user, command, text)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"slack_signing_secret": SECRET})


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


@pytest.fixture
def slack(bench: PagingBench) -> Slack:
    assert isinstance(bench.api, TestClient)
    return Slack(bench.api, bench.clock)


def test_declare_from_chat_announces_in_channel_and_pages_asked_roles(
    slack: Slack, bench: PagingBench
) -> None:
    reply = slack.say("U01AMARA", "/incident", 'declare "Checkout is failing" --sev 2 --page cmoc')
    assert reply["response_type"] == "in_channel"
    assert "#1 [S2] Checkout is failing: investigating" in reply["text"]
    bench.worker.run_once()
    assert len(notifications(bench, "nadia", "page")) == 1 and len(notifications(bench, "sofia", "page")) == 1
    declared = timeline(bench, 1)[0]
    assert (declared["actor"], declared["interface"]) == ("amara", "chat")


def test_only_owner_can_resolve_via_chat(slack: Slack) -> None:
    slack.say("U01LUKAS", "/incident", "declare Search is slow --sev 4")
    slack.say("U01AMARA", "/incident", "ack 1")  # no page to amara: she engages as EOC and owns it
    refused = slack.say("U01LUKAS", "/incident", "resolve 1")
    assert refused["response_type"] == "ephemeral"
    assert "only the owner, amara, can resolve" in refused["text"]
    done = slack.say("U01AMARA", "/incident", "resolve #1")
    assert done["response_type"] == "in_channel" and "resolved" in done["text"]


def test_engaging_from_chat_outside_the_roles_team_is_refused_naming_the_team(slack: Slack) -> None:
    slack.say("U01LUKAS", "/incident", "declare Search is slow --sev 4")
    refused = slack.say("U01SOFIA", "/incident", "ack 1")  # not paged: acknowledging engages as EOC
    assert refused["response_type"] == "ephemeral"
    assert "roles.eoc.team: sre" in refused["text"], refused
    joined = slack.say("U01AMARA", "/incident", "ack 1")  # an SRE may
    assert joined["response_type"] == "in_channel", joined


def test_a_signed_slack_command_with_a_nul_character_is_refused_naming_the_field(
    slack: Slack, bench: PagingBench
) -> None:
    refused = slack.send("U01AMARA", "/incident", "declare Disk\x00full --sev 3")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "text"
    assert bench.client("amara").get("/api/v1/incidents").json() == []


def test_chat_ack_of_a_role_page_engages_that_role(slack: Slack, bench: PagingBench) -> None:
    slack.say("U01AMARA", "/incident", "declare Database failover --sev 2")
    bench.worker.run_once()
    slack.say("U01NADIA", "/incident", "ack 1")
    incident = bench.client("nadia").get("/api/v1/incidents/1").json()
    assert incident["roles"]["imoc"]["person"] == "nadia" and incident["owner"] == "nadia"


def test_state_status_severity_note_and_page_from_chat_land_on_the_timeline(
    slack: Slack, bench: PagingBench
) -> None:
    slack.say("U01AMARA", "/incident", "declare API errors --sev 3")
    slack.say("U01AMARA", "/incident", "state 1 identified")
    slack.say("U01AMARA", "/incident", "status 1 partial service disruption")
    slack.say("U01AMARA", "/incident", "severity 1 2")
    assert "Noted" in slack.say("U01AMARA", "/incident", "note 1 rolled back deploy 42")["text"]
    paged = slack.say("U01AMARA", "/incident", "page 1 cmoc")
    assert "paged CMOC" in paged["text"]
    events = timeline(bench, 1)
    chat_kinds = {e["kind"] for e in events if e["interface"] == "chat"}
    assert {"declared", "state_changed", "status_changed", "severity_changed", "note", "paged"} <= chat_kinds
    bad = slack.say("U01AMARA", "/incident", "state 1 fixed")
    assert bad["response_type"] == "ephemeral" and "unknown state 'fixed'" in bad["text"]


def test_report_oncall_and_handoff_from_chat(slack: Slack, bench: PagingBench) -> None:
    reply = slack.say("U01LUKAS", "/incident", "report uploads time out")
    assert "EOC is paged" in reply["text"] and reply["response_type"] == "ephemeral"
    bench.worker.run_once()
    assert len(notifications(bench, "amara", "page")) == 1
    who = slack.say("U01LUKAS", "/oncall", "imoc")["text"]
    assert who.startswith("IMOC: nadia until")
    assert "EOC: amara" in slack.say("U01LUKAS", "/oncall")["text"]
    slack.say("U01AMARA", "/handoff", "silenced the flaky disk alert on db-3")
    assert "silenced the flaky disk alert" in slack.say("U01LUKAS", "/handoff")["text"]


def test_unknown_chat_user_and_malformed_commands_get_ephemeral_help(slack: Slack) -> None:
    stranger = slack.say("U999", "/incident", "declare x")
    assert "not linked to an onwatch person" in stranger["text"]
    assert "/incident declare" in slack.say("U01AMARA", "/incident", "help")["text"]
    assert "unknown subcommand" in slack.say("U01AMARA", "/incident", "explode 1")["text"]
    assert "expected an incident number" in slack.say("U01AMARA", "/incident", "resolve abc")["text"]
    assert "title" in slack.say("U01AMARA", "/incident", "declare --sev 2")["text"]


def test_forged_stale_and_unsigned_requests_are_refused_and_change_nothing(
    slack: Slack, bench: PagingBench
) -> None:
    forged = slack.send("U01AMARA", "/incident", "declare forged", secret="not-the-secret")
    stale = slack.send("U01AMARA", "/incident", "declare stale", age=timedelta(minutes=6))
    unsigned = slack.client.post(
        "/api/v1/chat/slack/commands", content="command=%2Fincident&text=declare+x&user_id=U01AMARA"
    )
    assert [r.status_code for r in (forged, stale, unsigned)] == [401, 401, 401]
    fresh_enough = slack.send("U01AMARA", "/incident", "declare Recent enough", age=timedelta(minutes=4))
    assert fresh_enough.status_code == 200
    titles = [i["title"] for i in bench.client("nadia").get("/api/v1/incidents").json()]
    assert titles == ["Recent enough"]


def test_chat_is_off_without_a_signing_secret(bench: PagingBench) -> None:
    unset = bench.onwatch.settings.model_copy(update={"slack_signing_secret": ""})
    with TestClient(build(unset, bench.clock, engine=bench.db.engine).api()) as client:
        assert client.post("/api/v1/chat/slack/commands", content="x=1").status_code == 404


def test_after_resolution_the_imoc_reclassifies_the_severity_from_chat_with_a_reason(
    slack: Slack, bench: PagingBench
) -> None:
    slack.say("U01AMARA", "/incident", "declare Search is slow --sev 4")
    slack.say("U01AMARA", "/incident", "resolve 1")
    refused = slack.say("U01AMARA", "/incident", "severity 1 3 more users than we thought")
    assert refused["response_type"] == "ephemeral" and "only the IMOC" in refused["text"]
    slack.say("U01NADIA", "/incident", "severity 1 3")  # no IMOC engaged: a manager of the IMOC team
    done = slack.say("U01NADIA", "/incident", "severity 1 3 more users than we thought")
    assert done["response_type"] == "in_channel"
    [changed] = [e for e in timeline(bench, 1) if e["kind"] == "severity_changed"]
    assert changed["message"].endswith("from S4 to S3: more users than we thought")


def test_paging_the_imoc_from_chat_needs_no_incident(slack: Slack, bench: PagingBench) -> None:
    paged = slack.say("U01AMARA", "/incident", "page imoc customers report failed logins")
    assert paged["response_type"] == "in_channel", paged
    assert "paged the IMOC (alert group #" in paged["text"]
    bench.worker.run_once()
    assert any("to=nadia" in r.path for r in bench.webhook.requests)


def test_chatops_run_oncall_prod_answers_as_oncall(slack: Slack) -> None:
    assert (
        slack.say("U01AMARA", "/chatops", "run oncall prod")["text"]
        == slack.say("U01AMARA", "/oncall")["text"]
    )


def test_a_near_miss_from_chat_is_a_review_nobody_is_paged_for(slack: Slack, bench: PagingBench) -> None:
    reply = slack.say("U01LUKAS", "/incident", 'near-miss "Backups nearly filled /var" --sev 2 --anonymous')
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("Near miss filed: review #1 (S2 had it happened), owned by you")
    bench.advance(5)
    assert bench.webhook.requests == []
    review = bench.onwatch.reviews.get(1)
    assert (review.title, review.owner_id, review.anonymous, review.labels[0]) == (
        "Backups nearly filled /var",
        "lukas",
        True,
        "Near Miss",
    )
    assert "say what nearly happened" in slack.say("U01LUKAS", "/incident", "near-miss")["text"]


def test_declaring_from_chat_chooses_no_document_no_announcement_and_no_page(
    slack: Slack, bench: PagingBench
) -> None:
    said = slack.say(
        "U01LUKAS", "/incident", "declare Typo on pricing --sev 4 --no-doc --no-announce --page none"
    )
    assert "declared incident" in said["text"], said
    bench.worker.run_once()
    assert bench.client("lukas").get("/api/v1/incidents/1/document").status_code == 404
    assert bench.webhook.requests == []
