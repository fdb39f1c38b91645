"""The sms and voice channels (target {"number", "provider"}): one segment of text with the ack code,
or a call that reads the page and asks to press 1; each through the first provider that takes it."""

from __future__ import annotations

from collections.abc import Sequence

from onwatch.db.outbox import OutboxMessage
from onwatch.notify.base import DeliveryError, notification_of
from onwatch.notify.message import Message, sms_text
from onwatch.notify.phone.providers import PhoneProvider, hand_over


def ack_code(message: Message) -> str | None:
    """The code to reply with: the alert group's number (the sender's phone says who replies)."""
    return str(message.group) if message.group is not None and message.acknowledge else None


def parse_reply(body: str) -> tuple[str, int] | None:
    """("acknowledge" | "resolve", group) from an SMS reply: "12", "ack 12", "R12", "resolve 12"."""
    words = body.strip().upper().replace("#", "")
    for prefix, action in (
        ("RESOLVE", "resolve"),
        ("RES", "resolve"),
        ("R", "resolve"),
        ("ACK", "acknowledge"),
        ("A", "acknowledge"),
        ("", "acknowledge"),
    ):
        if words.startswith(prefix):
            rest = words[len(prefix) :].strip()
            if rest.isascii() and rest.isdigit() and len(rest) <= 10:
                return action, int(rest)
    return None


def _number(message: OutboxMessage) -> tuple[str, str | None]:
    number = message.target.get("number")
    if not isinstance(number, str) or not number.startswith("+"):
        raise DeliveryError("target has no phone number", retryable=False)
    preferred = message.target.get("provider")
    return number, preferred if isinstance(preferred, str) else None


class SmsChannel:
    name = "sms"

    def __init__(self, providers: Sequence[PhoneProvider]) -> None:
        self.providers = list(providers)

    def send(self, message: OutboxMessage) -> None:
        number, preferred = _number(message)
        content = Message.of(notification_of(message))
        text = sms_text(content, ack_code(content))
        hand_over(
            self.providers, number, preferred, lambda p: p.send_sms(number, text, message.idempotency_key)
        )


class VoiceChannel:
    """A call whose words onwatch serves from the page's signed acknowledge token: TwiML for Twilio
    (/api/v1/chat/twilio/voice/<token>), an NCCO for Vonage (/api/v1/chat/vonage/voice/<token>)."""

    name = "voice"

    def __init__(self, providers: Sequence[PhoneProvider]) -> None:
        self.providers = list(providers)

    def send(self, message: OutboxMessage) -> None:
        number, preferred = _number(message)
        content = Message.of(notification_of(message))
        if not content.acknowledge or "/a/" not in content.acknowledge:
            raise DeliveryError("a call needs a page with an acknowledge link", retryable=False)
        base, token = content.acknowledge.rsplit("/a/", 1)
        hand_over(
            self.providers,
            number,
            preferred,
            lambda p: p.call(number, base, token, message.idempotency_key),
            voice=True,
        )
