"""A full game of the process (PROCESS.md §2-§9) against a real HTTP server and real receivers,
with the fake clock: report -> EOC paged -> ack -> declare S2 -> IMOC paged and engaged -> CMOC
reminders -> Identified -> Monitoring -> resolved by the owner, through chat and the API."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from onwatch.bootstrap import Onwatch
from onwatch.kernel.clock import FakeClock
from onwatch.settings import Settings
from tests.live import LiveServer
from tests.process_helpers import notifications, posts_to, process_bench, role_page_group, timeline
from tests.receivers import SmtpSink, WebhookSink

pytestmark = pytest.mark.e2e
SECRET = "game-signing-secret"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"slack_signing_secret": SECRET})


def test_a_full_game_of_the_process_through_chat_and_api(
    onwatch: Onwatch, clock: FakeClock, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> None:
    bench = process_bench(onwatch, webhook_sink, smtp_sink)
    with LiveServer(bench.app) as live:
        bench.api = httpx.Client(base_url=live.url, timeout=10)

        def chat(user: str, text: str, command: str = "/incident") -> str:
            body = urlencode({"command": command, "text": text, "user_id": user})
            ts = str(int(clock.now().timestamp()))
            response = httpx.post(
                f"{live.url}/api/v1/chat/slack/commands",
                content=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": ts,
                    "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
                    or "",
                },
            )
            assert response.status_code == 200, response.text
            return str(response.json()["text"])

        # a support engineer reports an anomaly from chat: the EOC (amara) is paged
        assert "EOC is paged" in chat("U01LUKAS", "report customers cannot log in")
        bench.worker.run_once()
        assert len(notifications(bench, "amara", "page")) == 1
        report_group = bench.client("nadia").get("/api/v1/alert-groups").json()[0]["id"]

        # 3 minutes later the EOC acknowledges through the API; the reporter is told
        bench.advance(3)
        amara = bench.client("amara")
        assert amara.post(f"/api/v1/alert-groups/{report_group}/acknowledge").status_code == 200
        bench.worker.run_once()
        assert [n["title"] for n in notifications(bench, "lukas", "notice")] == [
            "Amara Okafor (EOC) is looking into your report"
        ]

        # the EOC declares an S2 from the report: she owns it, the IMOC is paged, channels hear of it
        made = amara.post(
            f"/api/v1/alert-groups/{report_group}/incident",
            json={"severity": "S2", "title": "Customers cannot log in"},
        ).json()
        n = made["incident_id"]
        bench.worker.run_once()
        assert amara.get(f"/api/v1/incidents/{n}").json()["owner"] == "amara"
        assert len(notifications(bench, "nadia", "page")) == 1
        assert any("Customers cannot log in" in p for p in posts_to(bench, "production"))

        # the IMOC acknowledges from chat: engaged, owner; she pages the CMOC, who acks from chat
        bench.advance(4)
        chat("U01NADIA", f"ack {n}")
        assert amara.get(f"/api/v1/incidents/{n}").json()["owner"] == "nadia"
        chat("U01NADIA", f"page {n} cmoc")
        bench.worker.run_once()
        assert len(notifications(bench, "sofia", "page")) == 1
        chat("U01SOFIA", f"ack {n}")
        incident = amara.get(f"/api/v1/incidents/{n}").json()
        assert incident["roles"]["cmoc"]["person"] == "sofia" and incident["owner"] == "sofia"

        # nobody posted publicly: the CMOC is reminded at the S2 investigating cadence (15 min)
        bench.advance(8)  # declared at 09:03: the first update is due at 09:18
        bench.advance(3)
        assert len(notifications(bench, "sofia", "reminder")) == 1
        sofia = bench.client("sofia")
        sofia.post(
            f"/api/v1/incidents/{n}/updates", json={"body": "Some customers cannot log in; we are on it."}
        )

        # the response moves on; only the owner may resolve
        chat("U01AMARA", f"state {n} identified")
        chat("U01AMARA", f"state {n} monitoring")
        refused = chat("U01AMARA", f"resolve {n}")
        assert "only the owner, sofia, can resolve" in refused
        assert "resolved" in chat("U01SOFIA", f"resolve {n}")

        final = amara.get(f"/api/v1/incidents/{n}").json()
        assert (final["state"], final["status"]) == ("resolved", "operational")
        events = timeline(bench, n)
        kinds = [e["kind"] for e in events]
        for expected in (
            "declared",
            "paged",
            "announced",
            "role_engaged",
            "owner_changed",
            "reminder",
            "public_update",
        ):
            assert expected in kinds, expected
        assert {e["interface"] for e in events} >= {"api", "chat", "engine"}
        assert role_page_group(bench, n, "imoc") != role_page_group(bench, n, "cmoc")
        # after resolution nothing more reaches anyone but #incident-management's relay of the
        # changes up to the resolution, which the engine's next pass delivers
        sent = len(webhook_sink.requests)
        bench.advance(120)
        late = webhook_sink.requests[sent:]
        assert all(r.path == "/hook?to=incident-management" for r in late), late
        sent = len(webhook_sink.requests)
        bench.advance(120)
        assert len(webhook_sink.requests) == sent
