"""Telegram channel: the Bot API's sendMessage (target {"chat"}; the bot token is ONWATCH_TELEGRAM_BOT_TOKEN).

    POST <api>/bot<token>/sendMessage
    {"chat_id", "text", "link_preview_options": {"is_disabled": true},
     "reply_markup": {"inline_keyboard": [[Acknowledge, Resolve], [Open]]}}

Acknowledge and Resolve are callback buttons (`callback_data` "ack:<group>" / "res:<group>", within
Telegram's 64 bytes); Telegram sends the press to onwatch's webhook (chat/telegram.py), which checks
the bot's secret token header and who pressed it. Open is a URL button. Text is clipped to Telegram's
4096 characters.
"""

from __future__ import annotations

from typing import Any

import httpx

from onwatch.db.outbox import OutboxMessage
from onwatch.notify.base import DeliveryError, Notification, notification_of
from onwatch.notify.http_call import call
from onwatch.notify.message import Message, clip
from onwatch.notify.slack import is_web_url

TEXT_CHARS = 4096
ACK, RESOLVE = "ack", "res"


def callback_data(action: str, group: int) -> str:
    return f"{action}:{group}"


def parse_callback(data: str) -> tuple[str, int] | None:
    """("acknowledge" | "resolve", group) from a button's callback_data, or None."""
    action, _, group = data.partition(":")
    verb = {ACK: "acknowledge", RESOLVE: "resolve"}.get(action)
    if verb is None or not (group.isascii() and group.isdigit()) or len(group) > 10:
        return None
    return verb, int(group)


def telegram_payload(notification: Notification, chat: str) -> dict[str, Any]:
    message = Message.of(notification)
    text = clip("\n\n".join([message.headline, "\n".join(message.lines())]).strip(), TEXT_CHARS)
    rows: list[list[dict[str, str]]] = []
    if message.group is not None and message.acknowledge:  # a page to a person: they can act
        rows.append(
            [
                {"text": "Acknowledge", "callback_data": callback_data(ACK, message.group)},
                {"text": "Resolve", "callback_data": callback_data(RESOLVE, message.group)},
            ]
        )
    if message.view and is_web_url(message.view):
        rows.append([{"text": "Open", "url": message.view}])
    body: dict[str, Any] = {"chat_id": chat, "text": text, "link_preview_options": {"is_disabled": True}}
    if rows:
        body["reply_markup"] = {"inline_keyboard": rows}
    return body


class TelegramChannel:
    name = "telegram"

    def __init__(
        self,
        token: str,
        api_url: str = "https://api.telegram.org",
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._token = token
        self.api_url = api_url.rstrip("/")
        self._client = client or httpx.Client()
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        if not self._token:
            raise DeliveryError("Telegram is not configured: set ONWATCH_TELEGRAM_BOT_TOKEN", retryable=False)
        body = telegram_payload(notification_of(message), str(message.target.get("chat", "")))
        url = f"{self.api_url}/bot{self._token}/sendMessage"
        call(self._client, "POST", url, json=body, timeout=self.timeout)

    def close(self) -> None:
        self._client.close()
