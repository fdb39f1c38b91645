"""Chat over real HTTP: replies about a confidential incident are ephemeral, only its circle acts on
it, viewers only look things up, and the signature is checked over the raw bytes of the body."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.kernel.clock import FakeClock
from onwatch.settings import Settings
from tests.paging_helpers import PagingBench
from tests.process_helpers import demo_everyone_on_webhook, process_bench, timeline
from tests.receivers import SmtpSink, WebhookSink

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TITLE = "Session tokens leaked ZX-CHAT-SECRET"


def _signed(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    # Slack's documented scheme, written out here so the test does not trust onwatch's own code
    mac = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return "v0=" + mac.hexdigest()


class Chat:
    def __init__(self, client: httpx.Client, clock: FakeClock) -> None:
        self.client, self.clock = client, clock

    def post(self, body: bytes, *, secret: str = SECRET) -> httpx.Response:
        timestamp = str(int(self.clock.now().timestamp()))
        return self.client.post(
            "/api/v1/chat/slack/commands",
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": _signed(body, timestamp, secret),
            },
        )

    def say(self, user: str, text: str, command: str = "/incident") -> dict[str, str]:
        body = urlencode({"command": command, "text": text, "user_id": user, "channel_id": "C1"})
        response = self.post(body.encode())
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"slack_signing_secret": SECRET})


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> PagingBench:
    """Not started: its app runs on the live server of `chat`."""
    bench = process_bench(onwatch, webhook_sink, smtp_sink)
    db, clock = onwatch.db, bench.clock
    # ben (communications) only reads
    text = demo_everyone_on_webhook(webhook_sink).replace(
        "ben:    {name: Ben Carter,", "ben:    {name: Ben Carter, access: viewer,"
    )
    apply_config(db, load_config(text), now=clock.now(), applied_by="tests")
    return bench


@pytest.fixture
def chat(bench: PagingBench) -> Iterator[Chat]:
    from tests.live import LiveServer

    with LiveServer(bench.app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield Chat(client, bench.clock)


def _secret_incident(bench: PagingBench) -> int:
    body = {"title": TITLE, "severity": "S3", "services": ["web"], "security": True}
    response = bench.client("amara").post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_replies_about_a_confidential_incident_are_ephemeral(chat: Chat, bench: PagingBench) -> None:
    iid = _secret_incident(bench)
    reply = chat.say("U01AMARA", f"state {iid} identified")  # the owner
    assert reply["response_type"] == "ephemeral" and TITLE in reply["text"]
    for text in (f"status {iid} degraded_performance", f"severity {iid} 2", f"page {iid} imoc"):
        assert chat.say("U01OMAR", text)["response_type"] == "ephemeral", text  # the security team
    public = chat.say("U01AMARA", 'declare "Slow search" --sev 4')
    assert public["response_type"] == "in_channel"


def test_only_the_circle_acts_on_a_confidential_incident_from_chat(chat: Chat, bench: PagingBench) -> None:
    iid = _secret_incident(bench)
    before = len(timeline(bench, iid))
    for text in (f"note {iid} peeking", f"state {iid} identified", f"ack {iid}", f"resolve {iid}"):
        reply = chat.say("U01LUKAS", text)  # an SRE outside the circle
        assert reply["response_type"] == "ephemeral", text
        assert f"incident {iid} does not exist" in reply["text"] and TITLE not in reply["text"], text
    assert len(timeline(bench, iid)) == before, "nothing from outside the circle landed"
    assert "Noted" in chat.say("U01NADIA", f"note {iid} the IMOC is on it")["text"]


def test_a_chat_viewer_looks_up_but_changes_nothing(chat: Chat, bench: PagingBench) -> None:
    refused = chat.say("U01BEN", 'declare "Ben was here" --sev 4')
    assert refused["response_type"] == "ephemeral" and "responder" in refused["text"]
    assert bench.client("nadia").get("/api/v1/incidents").json() == []
    assert "EOC" in chat.say("U01BEN", "", command="/oncall")["text"]


def test_chat_checks_the_signature_over_raw_bytes_before_decoding(chat: Chat, bench: PagingBench) -> None:
    not_utf8 = b"command=%2Fincident&text=\xff\xfe&user_id=U01AMARA"
    unsigned = chat.client.post("/api/v1/chat/slack/commands", content=not_utf8)
    assert unsigned.status_code == 401 and unsigned.headers["content-type"] == "application/problem+json"
    forged = chat.post(not_utf8, secret="not-the-secret")
    assert forged.status_code == 401
    signed = chat.post(not_utf8)
    assert signed.status_code == 400 and signed.json()["errors"][0]["field"] == "body"
    escaped = chat.post(b"command=%2Fincident&text=declare+%FF&user_id=U01AMARA")
    assert escaped.status_code == 400
    assert bench.client("nadia").get("/api/v1/incidents").json() == []
