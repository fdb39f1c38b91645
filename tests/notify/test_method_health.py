"""A contact method failing again and again is flagged to the person and to the IMOC."""

from __future__ import annotations

from onwatch.bootstrap import Onwatch
from onwatch.notify.chat_posts import DiscordChannel
from tests.notify.bench import notify_bench
from tests.notify.services import FakeService
from tests.receivers import SmtpSink, WebhookSink


def test_a_method_failing_three_times_is_flagged_to_the_person_and_the_imoc(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> None:
    with FakeService() as discord:
        discord.route("POST", "/api/webhooks/", (404, {"message": "Unknown Webhook", "code": 10015}))
        methods = {
            "amara": f"[{{type: discord, url: '{discord.url}/api/webhooks/1/gone'}},"
            " {type: email, address: amara@illumidesk.example, delay: 2m}]"
        }
        with notify_bench(onwatch, webhook_sink, smtp_sink, methods, {"discord": DiscordChannel()}) as bench:
            for name in ("DiskFull", "HighLatency"):
                bench.fire(alertname=name, fingerprint=name)
            bench.worker.run_once()
            assert smtp_sink.mails == []  # two failures: not yet
            bench.fire(alertname="Crashloop", fingerprint="Crashloop")
            bench.worker.run_once()
            [mail] = smtp_sink.mails
            assert mail.rcpt_tos == ["amara@illumidesk.example"]
            assert mail.message["Subject"] == "[onwatch] Amara Okafor's discord contact method is failing"
            assert "HTTP 404" in mail.part("text/plain") and "onwatch test-contact amara" in mail.part(
                "text/plain"
            )
            [imoc] = [r for r in webhook_sink.requests if "to=nadia" in r.path]
            assert imoc.json["notification"]["kind"] == "notice"
            assert imoc.json["notification"]["title"] == "Amara Okafor's discord contact method is failing"
            bench.fire(alertname="Another", fingerprint="Another")
            bench.worker.run_once()
            assert len(smtp_sink.mails) == 1  # once a day per method
