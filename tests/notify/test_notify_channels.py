"""Delivery channels against real receivers on 127.0.0.1: what arrives, and which failures are retried."""

from __future__ import annotations

import time
from typing import Any

import pytest

from onwatch.config.contacts import ContactType
from onwatch.db.outbox import OutboxMessage
from onwatch.notify.base import DeliveryError, Notification
from onwatch.notify.email import EmailChannel, message_id
from onwatch.notify.registry import build_channels
from onwatch.notify.slack import SlackChannel
from onwatch.notify.webhook import WebhookChannel, verify_signature
from onwatch.settings import Settings
from tests.receivers import SmtpSink, WebhookSink, free_port

LINKS = {
    "acknowledge": "https://onwatch.example/a/12/ack?t=x&y=1",
    "resolve": "https://onwatch.example/a/12/resolve",
    "view": "https://onwatch.example/alert-groups/12",
}


def page(**changes: Any) -> Notification:
    fields: dict[str, Any] = {
        "kind": "page",
        "title": "Checkout API error rate above 5%",
        "text": "Errors started at 10:02 UTC.\nRunbook: see the wiki.",
        "severity": "critical",
        "service": "checkout",
        "recipient": "alice",
        "recipient_name": "Alice Example",
        "links": dict(LINKS),
        "facts": {"Alerts": "3", "Escalation": "step 1 of 2"},
        "ref": {"alert_group": 12},
    }
    fields.update(changes)
    return Notification(**fields)


def outbox(
    channel: str,
    target: dict[str, Any],
    notification: Notification | None = None,
    key: str = "ag-12-step-1-alice",
) -> OutboxMessage:
    payload = (notification or page()).to_payload()
    return OutboxMessage(id=1, idempotency_key=key, channel=channel, target=target, payload=payload)


def send_expecting_failure(channel: Any, message: OutboxMessage) -> DeliveryError:
    with pytest.raises(DeliveryError) as failure:
        channel.send(message)
    return failure.value


# --- webhook -------------------------------------------------------------------------------------


def test_webhook_delivers_the_notification_as_signed_json_with_its_idempotency_key(
    webhook_sink: WebhookSink,
) -> None:
    WebhookChannel(default_secret="s3cret").send(outbox("webhook", {"url": webhook_sink.url}))

    (request,) = webhook_sink.requests
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == "ag-12-step-1-alice"
    assert request.json == {"idempotency_key": "ag-12-step-1-alice", "notification": page().to_payload()}
    timestamp = request.headers["x-onwatch-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    assert verify_signature(
        "s3cret", timestamp, request.body, request.headers["x-onwatch-signature"], now=time.time()
    )
    assert webhook_sink.deliveries("ag-12-step-1-alice") == 1


def test_a_webhook_target_secret_takes_precedence_over_the_default(webhook_sink: WebhookSink) -> None:
    WebhookChannel(default_secret="default").send(
        outbox("webhook", {"url": webhook_sink.url, "secret": "per-target"})
    )

    (request,) = webhook_sink.requests
    args = (request.headers["x-onwatch-timestamp"], request.body, request.headers["x-onwatch-signature"])
    assert verify_signature("per-target", *args, now=time.time())
    assert not verify_signature("default", *args, now=time.time())


def test_signature_check_rejects_a_tampered_body(webhook_sink: WebhookSink) -> None:
    WebhookChannel(default_secret="s3cret").send(outbox("webhook", {"url": webhook_sink.url}))

    (request,) = webhook_sink.requests
    tampered = request.body.replace(b"Checkout", b"Checkin!")
    assert tampered != request.body
    assert not verify_signature(
        "s3cret",
        request.headers["x-onwatch-timestamp"],
        tampered,
        request.headers["x-onwatch-signature"],
        now=time.time(),
    )


def test_signature_check_rejects_an_old_or_garbled_timestamp(webhook_sink: WebhookSink) -> None:
    WebhookChannel(default_secret="s3cret").send(outbox("webhook", {"url": webhook_sink.url}))

    (request,) = webhook_sink.requests
    timestamp, signature = request.headers["x-onwatch-timestamp"], request.headers["x-onwatch-signature"]
    ten_minutes_later = int(timestamp) + 600
    assert not verify_signature("s3cret", timestamp, request.body, signature, now=ten_minutes_later)
    assert verify_signature(
        "s3cret", timestamp, request.body, signature, now=ten_minutes_later, tolerance=900
    )
    assert not verify_signature("s3cret", "yesterday", request.body, signature, now=time.time())
    assert not verify_signature("s3cret", timestamp, request.body, "sha256=ünïcode", now=time.time())


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (503, True),
        (500, True),
        (429, True),
        (408, True),
        (425, True),
        (400, False),
        (401, False),
        (404, False),
        (410, False),
    ],
)
def test_webhook_failures_are_retried_only_when_the_receiver_may_recover(
    webhook_sink: WebhookSink, status: int, retryable: bool
) -> None:
    webhook_sink.fail_with(status)

    error = send_expecting_failure(
        WebhookChannel(default_secret="k"), outbox("webhook", {"url": webhook_sink.url})
    )

    assert error.retryable is retryable
    assert str(status) in str(error)
    assert f"sink failing with {status}" in str(error)  # the receiver's own words, for the operator
    assert webhook_sink.deliveries("ag-12-step-1-alice") == 0


def test_a_webhook_receiver_that_is_down_is_retried_and_gets_the_message_once_it_is_back(
    webhook_sink: WebhookSink,
) -> None:
    channel, message = WebhookChannel(default_secret="k"), outbox("webhook", {"url": webhook_sink.url})
    webhook_sink.stop()

    error = send_expecting_failure(channel, message)
    assert error.retryable

    webhook_sink.start()
    channel.send(message)
    assert webhook_sink.deliveries("ag-12-step-1-alice") == 1


def test_a_webhook_receiver_slower_than_the_timeout_is_retried(webhook_sink: WebhookSink) -> None:
    webhook_sink.delay(1.0)

    error = send_expecting_failure(
        WebhookChannel(default_secret="k", timeout=0.2), outbox("webhook", {"url": webhook_sink.url})
    )

    assert error.retryable
    assert "Timeout" in str(error)


def test_a_webhook_target_without_a_usable_url_is_not_retried() -> None:
    assert not send_expecting_failure(WebhookChannel(default_secret="k"), outbox("webhook", {})).retryable
    assert not send_expecting_failure(
        WebhookChannel(default_secret="k"), outbox("webhook", {"url": "ftp://example.com/x"})
    ).retryable


def test_a_long_error_page_is_cut_to_200_characters_in_the_error(webhook_sink: WebhookSink) -> None:
    webhook_sink.fail_with(502, body="<html>" + "x" * 10_000)

    error = send_expecting_failure(
        WebhookChannel(default_secret="k"), outbox("webhook", {"url": webhook_sink.url})
    )

    assert error.retryable
    assert str(error) == "HTTP 502: <html>" + "x" * 194


# --- Slack ---------------------------------------------------------------------------------------


def test_slack_message_shows_the_title_the_facts_and_buttons_for_each_link(webhook_sink: WebhookSink) -> None:
    SlackChannel().send(outbox("slack", {"url": webhook_sink.url}))

    (request,) = webhook_sink.requests
    assert request.headers["idempotency-key"] == "ag-12-step-1-alice"
    message = request.json
    assert "Checkout API error rate above 5%" in message["text"]  # the notification fallback
    header, section, actions = message["blocks"]
    assert header["text"]["text"] == "Checkout API error rate above 5%"
    assert section["text"]["text"] == "Errors started at 10:02 UTC.\nRunbook: see the wiki."
    assert [field["text"] for field in section["fields"]] == [
        "*Severity*\ncritical",
        "*Service*\ncheckout",
        "*Alerts*\n3",
        "*Escalation*\nstep 1 of 2",
    ]
    assert actions["type"] == "actions"
    assert {button["text"]["text"]: button["url"] for button in actions["elements"]} == {
        "Acknowledge": LINKS["acknowledge"],
        "Resolve": LINKS["resolve"],
        "Open in onwatch": LINKS["view"],
    }


def test_slack_keeps_long_or_markup_laden_text_within_slack_limits(webhook_sink: WebhookSink) -> None:
    noisy = page(
        text="<https://evil.example|click me> & " * 500,
        links={"runbook": "https://wiki.example/rb", "bad": "javascript:alert(1)"},
    )

    SlackChannel().send(outbox("slack", {"url": webhook_sink.url}, noisy))

    section = webhook_sink.requests[0].json["blocks"][1]
    text = section["text"]["text"]
    assert len(text) <= 3000
    assert "<" not in text and text.startswith("&lt;https://evil.example|click me&gt; &amp; ")
    buttons = webhook_sink.requests[0].json["blocks"][2]["elements"]
    assert [(b["text"]["text"], b["url"]) for b in buttons] == [("Runbook", "https://wiki.example/rb")]


def test_slack_failures_follow_the_webhook_retry_rules(webhook_sink: WebhookSink) -> None:
    webhook_sink.fail_with(503)
    assert send_expecting_failure(SlackChannel(), outbox("slack", {"url": webhook_sink.url})).retryable
    webhook_sink.fail_with(404)  # Slack's answer for a deleted webhook
    assert not send_expecting_failure(SlackChannel(), outbox("slack", {"url": webhook_sink.url})).retryable


# --- email ---------------------------------------------------------------------------------------


def email_channel(sink: SmtpSink) -> EmailChannel:
    return EmailChannel(host=sink.host, port=sink.port, sender="onwatch@example.com")


def test_email_arrives_with_plain_and_html_parts_that_both_carry_the_links(smtp_sink: SmtpSink) -> None:
    email_channel(smtp_sink).send(outbox("email", {"address": "alice@example.com"}))

    (mail,) = smtp_sink.wait_for(lambda mails: len(mails) == 1)
    assert mail.rcpt_tos == ["alice@example.com"]
    assert mail.mail_from == "onwatch@example.com"
    assert mail.message["Subject"] == "[onwatch] Checkout API error rate above 5%"
    assert mail.message["To"].addresses[0].addr_spec == "alice@example.com"
    assert mail.message["To"].addresses[0].display_name == "Alice Example"
    assert mail.message.get_content_type() == "multipart/alternative"
    plain, html = mail.part("text/plain"), mail.part("text/html")
    for url in LINKS.values():
        assert url in plain
    assert "Acknowledge: https://onwatch.example/a/12/ack?t=x&y=1" in plain
    assert '<a href="https://onwatch.example/a/12/ack?t=x&amp;y=1">Acknowledge</a>' in html
    assert '<a href="https://onwatch.example/alert-groups/12">Open in onwatch</a>' in html
    assert "Escalation: step 1 of 2" in plain and "step 1 of 2" in html


def test_email_message_id_is_the_same_for_every_retry_of_one_notification(smtp_sink: SmtpSink) -> None:
    channel = email_channel(smtp_sink)
    channel.send(outbox("email", {"address": "alice@example.com"}, key="ag-12-step-1-alice"))
    channel.send(outbox("email", {"address": "alice@example.com"}, key="ag-12-step-1-alice"))
    channel.send(outbox("email", {"address": "alice@example.com"}, key="ag-12-step-2-alice"))

    mails = smtp_sink.wait_for(lambda mails: len(mails) == 3)
    ids = [mail.message["Message-ID"] for mail in mails]
    assert ids[0] == ids[1] == message_id("ag-12-step-1-alice")
    assert ids[2] != ids[0]
    assert ids[0].startswith("<") and ids[0].endswith("@onwatch>")
    assert mails[0].message["X-Onwatch-Idempotency-Key"] == "ag-12-step-1-alice"


def test_email_html_escapes_text_from_alert_sources(smtp_sink: SmtpSink) -> None:
    hostile = page(
        title="Disk full <script>alert(1)</script>", text="a < b & c", facts={"host": "<img src=x>"}
    )

    email_channel(smtp_sink).send(outbox("email", {"address": "alice@example.com"}, hostile))

    (mail,) = smtp_sink.wait_for(lambda mails: len(mails) == 1)
    html = mail.part("text/html")
    assert "<script>" not in html and "<img" not in html
    assert "Disk full &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a &lt; b &amp; c" in html
    assert (
        mail.message["Subject"] == "[onwatch] Disk full <script>alert(1)</script>"
    )  # plain text stays verbatim


def test_an_unreachable_smtp_server_is_retried() -> None:
    channel = EmailChannel(host="127.0.0.1", port=free_port(), sender="onwatch@example.com", timeout=2)

    error = send_expecting_failure(channel, outbox("email", {"address": "alice@example.com"}))

    assert error.retryable


def test_a_recipient_refused_permanently_is_not_retried_and_temporarily_is(smtp_sink: SmtpSink) -> None:
    smtp_sink.reject("gone@example.com", "550 5.1.1 No such user")
    smtp_sink.reject("full@example.com", "452 4.2.2 Mailbox full")

    gone = send_expecting_failure(email_channel(smtp_sink), outbox("email", {"address": "gone@example.com"}))
    full = send_expecting_failure(email_channel(smtp_sink), outbox("email", {"address": "full@example.com"}))

    assert not gone.retryable and "550" in str(gone)
    assert full.retryable and "452" in str(full)
    assert smtp_sink.mails == []


def test_an_email_target_without_a_valid_address_is_not_retried(smtp_sink: SmtpSink) -> None:
    for target in (
        {},
        {"address": ""},
        {"address": "not an address"},
        {"address": "a@example.com\nBcc: x@evil"},
        {"address": "a@example.com, b@example.com"},
    ):
        assert not send_expecting_failure(email_channel(smtp_sink), outbox("email", target)).retryable
    assert smtp_sink.mails == []


# --- registry ------------------------------------------------------------------------------------


def test_channels_are_built_from_settings_and_keyed_by_their_outbox_name() -> None:
    settings = Settings(
        smtp_host="mail.internal", smtp_port=2525, smtp_sender="pager@example.com", webhook_secret="k"
    )

    channels = build_channels(settings)

    # every contact method type has its channel
    assert sorted(channels) == sorted(t.value for t in ContactType)
    email, webhook = channels["email"], channels["webhook"]
    assert isinstance(email, EmailChannel) and (email.host, email.port, email.sender) == (
        "mail.internal",
        2525,
        "pager@example.com",
    )
    assert isinstance(webhook, WebhookChannel) and webhook.default_secret == "k"
