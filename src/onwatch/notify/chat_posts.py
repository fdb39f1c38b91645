"""Chat tools reached by a URL or an account: Microsoft Teams (Workflows webhook, Adaptive Card),
Mattermost (incoming webhook), Discord (webhook) and Matrix (client-server API). Each renders the
shared message (notify/message.py) within the medium's limits; Acknowledge and Resolve are links to
onwatch's signed confirmation pages (they act on the button there, so link previews cannot).

    Teams       POST <workflow url>   {"type": "message", "attachments": [{"contentType":
                "application/vnd.microsoft.card.adaptive", "content": {AdaptiveCard 1.4}}]}
    Mattermost  POST <hook url>       {"username": "onwatch", "text", "attachments": [{fields}]}
    Discord     POST <hook url>?wait=true   {"content", "embeds": [{title, description, url, fields}],
                "allowed_mentions": {"parse": []}}
    Matrix      PUT <homeserver>/_matrix/client/v3/rooms/<room>/send/m.room.message/<txn id>
                Authorization: Bearer <token>   {"msgtype": "m.text", "body", "format", "formatted_body"}
                (the transaction id comes from the idempotency key: the homeserver drops a retry)
"""

from __future__ import annotations

import hashlib
import html
from typing import Any
from urllib.parse import quote

import httpx

from onwatch.db.outbox import OutboxMessage
from onwatch.notify.base import LINK_ORDER, DeliveryError, Notification, notification_of
from onwatch.notify.http_call import call
from onwatch.notify.message import Message, clip
from onwatch.notify.slack import is_web_url, link_label

_COLOURS = {"critical": 0xD32F2F, "error": 0xF57C00, "warning": 0xFBC02D}


# then the feedback choices in their own order (notify.base.LINK_ORDER), then the rest by name
_FEEDBACK_LABELS = frozenset(link_label(k) for k in LINK_ORDER[3:])
_LINK_ORDER = {"view": 0, "acknowledge": 1, "resolve": 2, **{k: 3 + i for i, k in enumerate(LINK_ORDER[3:])}}


def _links(notification: Notification) -> list[tuple[str, str]]:
    """Open, Acknowledge, Resolve, then the others: the same on every database (PostgreSQL's JSON
    does not keep the keys' order)."""
    keys = sorted(notification.links, key=lambda k: (_LINK_ORDER.get(k, len(_LINK_ORDER)), k))
    links = notification.links
    return [(link_label(k), links[k]) for k in keys if is_web_url(links[k])]


def _facts(message: Message) -> list[tuple[str, str]]:
    facts = [("Severity", message.severity), ("Service", message.service)]
    return [(k, v) for k, v in facts if v]


def teams_card(notification: Notification) -> dict[str, Any]:
    message = Message.of(notification)
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": clip(message.headline, 300),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    if message.why:
        body.append({"type": "TextBlock", "text": clip(message.why, 2000), "wrap": True})
    # Teams shows at most 5 actions: the feedback choices go in the text as links instead
    links = _links(notification)
    feedback = [(label, url) for label, url in links if label in _FEEDBACK_LABELS]
    if feedback:
        choices = " · ".join(f"[{label}]({url})" for label, url in feedback)
        body.append({"type": "TextBlock", "text": f"Was this page worth it? {choices}", "wrap": True})
    facts = _facts(message) + ([("Runbook", message.runbook)] if message.runbook else [])
    if facts:
        body.append({"type": "FactSet", "facts": [{"title": k, "value": clip(v, 500)} for k, v in facts]})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    actions = [
        {"type": "Action.OpenUrl", "title": label, "url": url}
        for label, url in links
        if label not in _FEEDBACK_LABELS
    ]
    if actions:
        card["actions"] = actions[:5]
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": card,
    }
    return {"type": "message", "attachments": [attachment]}


def mattermost_post(notification: Notification) -> dict[str, Any]:
    message = Message.of(notification)
    links = " · ".join(f"[{label}]({url})" for label, url in _links(notification))
    text = clip(f"#### {message.headline}\n{message.why}".strip(), 15000)
    attachment: dict[str, Any] = {
        "fallback": clip(message.headline, 300),
        "color": f"#{_COLOURS.get(message.severity.lower(), 0x607D8B):06x}",
        "fields": [{"short": True, "title": k, "value": v} for k, v in _facts(message)],
    }
    if message.runbook:
        attachment["fields"].append({"short": False, "title": "Runbook", "value": message.runbook})
    if links:
        attachment["text"] = links
    return {"username": "onwatch", "text": text, "attachments": [attachment]}


def discord_post(notification: Notification) -> dict[str, Any]:
    message = Message.of(notification)
    links = " · ".join(f"[{label}]({url})" for label, url in _links(notification))
    embed: dict[str, Any] = {
        "title": clip(message.headline, 256),
        "description": clip("\n\n".join(x for x in (message.why, links) if x), 4096),
        "color": _COLOURS.get(message.severity.lower(), 0x607D8B),
        "fields": [{"name": k, "value": clip(v, 1024), "inline": True} for k, v in _facts(message)],
    }
    if message.view and is_web_url(message.view):
        embed["url"] = message.view
    if message.runbook:
        embed["fields"].append({"name": "Runbook", "value": clip(message.runbook, 1024), "inline": False})
    # never ping @everyone or roles from text an alert source wrote
    return {"content": clip(message.headline, 2000), "embeds": [embed], "allowed_mentions": {"parse": []}}


def matrix_event(notification: Notification) -> dict[str, Any]:
    message = Message.of(notification)
    links = _links(notification)
    plain = "\n".join([message.headline, *message.lines(), *(f"{label}: {url}" for label, url in links)])
    esc = html.escape
    formatted = (
        f"<strong>{esc(message.headline)}</strong>"
        + "".join(f"<br>{esc(line)}" for line in message.lines())
        + (
            "<br>" + " · ".join(f'<a href="{esc(url)}">{esc(label)}</a>' for label, url in links)
            if links
            else ""
        )
    )
    return {
        "msgtype": "m.text",
        "body": plain,
        "format": "org.matrix.custom.html",
        "formatted_body": formatted,
    }


class _PostChannel:
    name = ""

    def __init__(self, client: httpx.Client | None = None, timeout: float = 10.0) -> None:
        self._client = client or httpx.Client()
        self.timeout = timeout

    def render(self, notification: Notification) -> dict[str, Any]:
        raise NotImplementedError

    def url(self, message: OutboxMessage) -> Any:
        return message.target.get("url")

    def send(self, message: OutboxMessage) -> None:
        body = self.render(notification_of(message))
        headers = {"Idempotency-Key": message.idempotency_key}
        call(self._client, "POST", self.url(message), json=body, headers=headers, timeout=self.timeout)


class TeamsChannel(_PostChannel):
    name = "teams"

    def render(self, notification: Notification) -> dict[str, Any]:
        return teams_card(notification)


class MattermostChannel(_PostChannel):
    name = "mattermost"

    def render(self, notification: Notification) -> dict[str, Any]:
        return mattermost_post(notification)


class DiscordChannel(_PostChannel):
    name = "discord"

    def render(self, notification: Notification) -> dict[str, Any]:
        return discord_post(notification)

    def url(self, message: OutboxMessage) -> Any:
        url = message.target.get("url")
        if isinstance(url, str) and url:
            return url + ("&" if "?" in url else "?") + "wait=true"  # answer 200 only once posted
        return url


class MatrixChannel:
    name = "matrix"

    def __init__(
        self, homeserver: str, token: str, client: httpx.Client | None = None, timeout: float = 10.0
    ) -> None:
        self.homeserver = homeserver.rstrip("/")
        self._token = token
        self._client = client or httpx.Client()
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        if not self.homeserver or not self._token:
            raise DeliveryError(
                "Matrix is not configured: set ONWATCH_MATRIX_HOMESERVER and ONWATCH_MATRIX_ACCESS_TOKEN",
                retryable=False,
            )
        room = message.target.get("room")
        if not isinstance(room, str) or not room:
            raise DeliveryError("target has no Matrix room", retryable=False)
        txn = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
        url = f"{self.homeserver}/_matrix/client/v3/rooms/{quote(room, safe='')}/send/m.room.message/{txn}"
        headers = {"Authorization": f"Bearer {self._token}"}
        call(
            self._client,
            "PUT",
            url,
            json=matrix_event(notification_of(message)),
            headers=headers,
            timeout=self.timeout,
        )
