"""ntfy channel: publish JSON to a self-hosted or the public ntfy server (target {"topic", "server",
"token"}).

    POST <server>/            Authorization: Bearer <token> (when the topic is protected)
    {"topic", "title", "message", "priority", "tags", "click", "actions": [...]}

High-urgency pages go out at priority 5 (max: a long vibration and a pop-over, through Do Not
Disturb where the app may), low-urgency ones at 4 (high). The "Acknowledge" button is an ntfy `http`
action: the phone POSTs onwatch's signed acknowledge link (the same one email carries, which acts on
POST only), so acknowledging needs no onwatch account on the phone. "Open" is a `view` action.
"""

from __future__ import annotations

from typing import Any

import httpx

from onwatch.db.outbox import OutboxMessage
from onwatch.notify.base import Notification, notification_of
from onwatch.notify.http_call import call
from onwatch.notify.message import Message, clip

DEFAULT_SERVER = "https://ntfy.sh"
TITLE_CHARS = 250
MESSAGE_CHARS = 4000  # ntfy turns longer messages into attachments
MAX_PRIORITY = 5
HIGH_PRIORITY = 4
_TAGS = {
    "critical": "rotating_light",
    "error": "red_circle",
    "warning": "warning",
    "info": "information_source",
}


def ntfy_payload(notification: Notification, topic: str) -> dict[str, Any]:
    message = Message.of(notification)
    actions: list[dict[str, Any]] = []
    if message.acknowledge:
        actions.append(
            {
                "action": "http",
                "label": "Acknowledge",
                "url": message.acknowledge,
                "method": "POST",
                "clear": True,
            }
        )
    if message.view:
        actions.append({"action": "view", "label": "Open", "url": message.view})
    body: dict[str, Any] = {
        "topic": topic,
        "title": clip(message.headline, TITLE_CHARS),
        "message": clip("\n".join(message.lines()) or message.title, MESSAGE_CHARS),
        "priority": MAX_PRIORITY if notification.urgency == "high" else HIGH_PRIORITY,
        "tags": [_TAGS.get(message.severity.lower(), "bell")],
    }
    if message.view:
        body["click"] = message.view
    if actions:
        body["actions"] = actions[:3]  # ntfy allows three
    return body


class NtfyChannel:
    name = "ntfy"

    def __init__(self, client: httpx.Client | None = None, timeout: float = 10.0) -> None:
        self._client = client or httpx.Client()
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        target = message.target
        notification = notification_of(message)
        headers = {"User-Agent": "onwatch-ntfy"}
        if target.get("token"):
            headers["Authorization"] = f"Bearer {target['token']}"
        server = str(target.get("server") or DEFAULT_SERVER).rstrip("/")
        body = ntfy_payload(notification, str(target.get("topic", "")))
        call(self._client, "POST", f"{server}/", headers=headers, json=body, timeout=self.timeout)

    def close(self) -> None:
        self._client.close()
