"""Teams, Mattermost, Discord, Matrix and Apprise: each page arrives in the documented shape, with
the facts and the signed links; Mattermost's slash commands run onwatch's chat commands."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.notify.apprise_channel import AppriseChannel
from onwatch.notify.chat_posts import DiscordChannel, MatrixChannel, MattermostChannel, TeamsChannel
from onwatch.settings import Settings
from tests.databases import settings_for
from tests.notify.bench import notify_bench
from tests.notify.services import FakeService
from tests.paging_helpers import PagingBench
from tests.receivers import SmtpSink, WebhookSink

MM_TOKEN = "mattermost-command-token-1"
MATRIX_TOKEN = "syt_onwatch_token"
ROOM = "!ops:matrix.example"


@pytest.fixture
def service() -> Iterator[FakeService]:
    with FakeService() as fake:
        fake.route("POST", "/workflows/", (202, ""))
        fake.route("POST", "/hooks/", (200, "ok"))
        fake.route("POST", "/api/webhooks/", (200, {"id": "1", "type": 0, "content": "x"}))
        fake.route("PUT", "/_matrix/client/v3/rooms/", (200, {"event_id": "$ev1"}))
        fake.route("POST", "/apprise/", (200, "ok"))
        yield fake


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url, mattermost_command_token=MM_TOKEN)


@pytest.fixture
def bench(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, service: FakeService
) -> Iterator[PagingBench]:
    url = service.url
    methods = {
        "amara": f"[{{type: teams, url: '{url}/workflows/amara'}}, {{type: mattermost, url: '{url}/hooks/amara'}},"
        f" {{type: discord, url: '{url}/api/webhooks/1/tok'}}, {{type: matrix, room: '{ROOM}'}},"
        f" {{type: apprise, url: 'json://127.0.0.1:{service.port}/apprise/amara'}}]"
    }
    channels = {
        "teams": TeamsChannel(),
        "mattermost": MattermostChannel(),
        "discord": DiscordChannel(),
        "matrix": MatrixChannel(url, MATRIX_TOKEN),
        "apprise": AppriseChannel(),
    }
    with notify_bench(onwatch, webhook_sink, smtp_sink, methods, channels) as bench:
        yield bench


def test_a_page_reaches_teams_as_an_adaptive_card_with_the_acknowledge_link(
    bench: PagingBench, service: FakeService
) -> None:
    bench.fire()
    [post] = service.requests_to("/workflows/amara")
    body = post.json
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert (
        card["body"][0]["text"].startswith("[critical] web: HighErrorRate")
        and card["body"][0]["weight"] == "Bolder"
    )
    assert {"title": "Severity", "value": "critical"} in card["body"][-1]["facts"]
    titles = [a["title"] for a in card["actions"]]
    assert titles == ["Open in onwatch", "Acknowledge", "Resolve"]
    # the feedback choices as links in the text (Teams shows at most 5 actions)
    assert "Was this page worth it? [Actionable](http://onwatch.test/f/" in card["body"][-2]["text"]
    ack = next(a for a in card["actions"] if a["title"] == "Acknowledge")
    assert ack["type"] == "Action.OpenUrl" and ack["url"].startswith("http://onwatch.test/a/")


def test_a_page_reaches_mattermost_discord_and_matrix_in_their_own_shapes(
    bench: PagingBench, service: FakeService
) -> None:
    bench.fire()
    [mm] = service.requests_to("/hooks/amara")
    assert mm.json["username"] == "onwatch" and mm.json["text"].startswith(
        "#### [critical] web: HighErrorRate"
    )
    assert {"short": True, "title": "Service", "value": "web"} in mm.json["attachments"][0]["fields"]
    assert "[Acknowledge](http://onwatch.test/a/" in mm.json["attachments"][0]["text"]

    [discord] = service.requests_to("/api/webhooks/1/tok")
    assert discord.query == {"wait": "true"}
    assert discord.json["allowed_mentions"] == {"parse": []}
    [embed] = discord.json["embeds"]
    assert (
        embed["title"].startswith("[critical] web: HighErrorRate")
        and "[Acknowledge](http://onwatch.test/a/" in embed["description"]
    )

    [matrix] = service.requests_to("/_matrix/client/v3/rooms/")
    assert matrix.method == "PUT" and matrix.headers["authorization"] == f"Bearer {MATRIX_TOKEN}"
    room, _, txn = matrix.path.removeprefix("/_matrix/client/v3/rooms/").partition("/send/m.room.message/")
    assert room == "%21ops%3Amatrix.example"
    key = mm.headers["idempotency-key"].rsplit(":", 1)[0] + ":3"  # the matrix method is amara's fourth
    assert txn == hashlib.sha256(key.encode()).hexdigest()[:32]
    event = matrix.json
    assert event["msgtype"] == "m.text" and event["format"] == "org.matrix.custom.html"
    assert (
        "Acknowledge: http://onwatch.test/a/" in event["body"]
        and '<a href="http://onwatch.test/a/' in event["formatted_body"]
    )


def test_an_apprise_url_pointing_at_a_local_receiver_gets_the_page(
    bench: PagingBench, service: FakeService
) -> None:
    bench.fire()
    [post] = service.requests_to("/apprise/amara")
    body = post.json
    assert body["title"].startswith("[critical] web: HighErrorRate") and body["type"] == "failure"
    assert "Acknowledge: http://onwatch.test/a/" in body["message"]


def mattermost(
    bench: PagingBench, text: str, *, token: str = MM_TOKEN, trigger: str = "t1", user: str = "U01AMARA"
):
    """A slash command as Mattermost sends it (application/x-www-form-urlencoded)."""
    form = {
        "channel_id": "c1", "channel_name": "incidents", "command": "/incident", "response_url": "http://mm/x",
        "team_domain": "illumidesk", "team_id": "t1", "text": text, "token": token, "trigger_id": trigger,
        "user_id": user, "user_name": "amara",
    }  # fmt: skip
    return bench.api.post(
        "/api/v1/chat/mattermost/commands",
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_mattermost_slash_command_declares_an_incident(bench: PagingBench) -> None:
    reply = mattermost(bench, 'declare "Checkout is failing" --sev 2')
    assert reply.status_code == 200
    assert (
        reply.json()["response_type"] == "in_channel"
        and "#1 [S2] Checkout is failing" in reply.json()["text"]
    )
    incident = bench.client().get("/api/v1/incidents/1").json()
    assert incident["title"] == "Checkout is failing" and incident["severity"] == "S2"
    replay = mattermost(bench, 'declare "Checkout is failing" --sev 2')  # the same trigger_id
    assert replay.json()["text"] == "already done"
    assert len(bench.client().get("/api/v1/incidents").json()) == 1


def test_a_mattermost_command_with_a_wrong_token_is_refused_and_changes_nothing(bench: PagingBench) -> None:
    refused = mattermost(bench, 'declare "Forged" --sev 1', token="guess")
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    assert bench.client().get("/api/v1/incidents").json() == []


def test_the_mattermost_command_is_documented_with_its_form_and_token(bench: PagingBench) -> None:
    operation = bench.api.get("/openapi.json").json()["paths"]["/api/v1/chat/mattermost/commands"]["post"]
    form = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert set(form["required"]) == {"token", "command", "user_id"}
    assert {"text", "trigger_id", "channel_id", "team_id", "response_url"} <= set(form["properties"])
    assert set(operation["responses"]) == {"200", "400", "401", "404", "413"}
    assert "security" not in operation  # the command's token is the credential, not an API token


def test_a_mattermost_command_with_a_nul_or_an_overlong_trigger_is_refused_naming_the_field(
    bench: PagingBench,
) -> None:
    nul = mattermost(bench, 'declare "Checkout\x00" --sev 2')
    assert nul.status_code == 400 and nul.json()["errors"][0]["field"] == "text"
    long = mattermost(bench, 'declare "Checkout" --sev 2', trigger="t" * 201)
    assert long.status_code == 400 and long.json()["errors"][0]["field"] == "trigger_id"
    assert bench.client().get("/api/v1/incidents").json() == []
