"""Slack channel: post to a Slack incoming-webhook URL (target {"url"}) using Block Kit.

Message layout: a header with the title; a section with the text and the facts as two-column fields;
an actions block with one URL button per link (Acknowledge, Resolve, Open in onwatch, ...). The
top-level "text" is the fallback Slack shows in notifications and on clients without blocks.

Slack rejects a whole message (HTTP 400, not retried) if any block exceeds its limits, so every piece
is clipped to the documented maximum rather than risk losing a page over a long description.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from onwatch.db.outbox import OutboxMessage
from onwatch.kernel.alert_context import AlertContext
from onwatch.kernel.enums import FeedbackChoice
from onwatch.notify.base import DeliveryError, Notification
from onwatch.notify.http_post import HttpPoster, proxies_configured
from onwatch.notify.webhook import post_json

# Block Kit limits (https://api.slack.com/reference/block-kit/blocks).
HEADER_CHARS = 150
TEXT_CHARS = 3000
FIELD_CHARS = 2000
FIELDS_PER_SECTION = 10
BUTTON_TEXT_CHARS = 75
BUTTON_URL_CHARS = 3000
BUTTONS_PER_ACTIONS = 25

LINK_LABELS = {
    "acknowledge": "Acknowledge",
    "resolve": "Resolve",
    "view": "Open in onwatch",
    # a page's feedback links (paging/links.py: feedback_link_key): was this page worth it?
    **{f"feedback_{c.value}": c.label for c in FeedbackChoice},
    "runbook_copy": "Runbook (onwatch's copy)",
}


def link_label(key: str) -> str:
    """Human label for a `Notification.links` key (shared with the email channel, like the helpers below)."""
    return LINK_LABELS.get(key, key.replace("_", " ").capitalize())


def shown_facts(notification: Notification) -> list[tuple[str, str]]:
    """Key/value lines shown with a message: severity and service (unless facts repeat them), then facts."""
    lines = [("Severity", notification.severity), ("Service", notification.service)]
    lines = [(key, value) for key, value in lines if value and key not in notification.facts]
    return lines + list(notification.facts.items())


def is_web_url(url: str) -> bool:
    """Only http(s) links are rendered as buttons or anchors; anything else could be a javascript: URL."""
    return urlsplit(url).scheme in ("http", "https")


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def mrkdwn(text: str, limit: int) -> str:
    """Escape for Slack mrkdwn (so `<url|label>` in user text is not a link) and clip to `limit`."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:  # never leave half an entity such as "&am"
        cut = cut[:amp]
    return cut + "…"


def slack_payload(notification: Notification) -> dict[str, Any]:
    """The incoming-webhook JSON body for `notification`."""
    title = " ".join(notification.title.split()) or "onwatch notification"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(title, HEADER_CHARS), "emoji": True}}
    ]

    context = notification.alert_context
    if context.runbook_url and _usable(context.runbook_url):  # the first thing after the title
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*Runbook:* {_link(context.runbook_url)}"},
            }
        )
    fields = [
        {"type": "mrkdwn", "text": mrkdwn(f"*{key}*\n{value}", FIELD_CHARS)}
        for key, value in shown_facts(notification)
    ]
    first: dict[str, Any] = {"type": "section"}
    mention = _mention(notification)
    if notification.text.strip():
        first["text"] = {"type": "mrkdwn", "text": mention + mrkdwn(notification.text, TEXT_CHARS)}
    if fields:
        first["fields"] = fields[:FIELDS_PER_SECTION]
    if len(first) > 1:  # a section needs text or fields; Slack rejects an empty one
        blocks.append(first)
    for start in range(FIELDS_PER_SECTION, len(fields), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + FIELDS_PER_SECTION]})

    buttons = [_button(key, url) for key, url in notification.links.items() if _usable(url)]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons[:BUTTONS_PER_ACTIONS]})
    blocks += context_blocks(context)

    fallback = title if not notification.text.strip() else f"{title}: {notification.text}"
    return {"text": mention + mrkdwn(fallback, TEXT_CHARS), "blocks": blocks}


def _mention(notification: Notification) -> str:
    """`<!subteam^ID> ` for a Slack user group the notification mentions (`ref.mention_group`, from
    `process.advocates_handle`): the one piece of mrkdwn not escaped, so only a well-formed id."""
    group = str(notification.ref.get("mention_group") or "")
    return f"<!subteam^{group}> " if re.fullmatch(r"S[A-Z0-9]{2,30}", group) else ""


def _link(url: str, text: str = "") -> str:
    """A mrkdwn link; `<`, `>` and `|` would end it early, so they are percent-encoded in the URL."""
    safe = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    label = mrkdwn(text, 200).replace("|", "¦") if text else safe
    return f"<{safe}|{label}>"


def context_blocks(context: AlertContext) -> list[dict[str, Any]]:
    """The alert's description, links, images and key/value context after the actions."""
    blocks: list[dict[str, Any]] = []
    if context.description:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(context.description, TEXT_CHARS)}}
        )
    links = " · ".join(_link(x.href, x.text) for x in context.links if _usable(x.href))
    if links:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(links, TEXT_CHARS)}})
    for image in context.images[:3]:
        if _usable(image.src):
            blocks.append(
                {"type": "image", "image_url": image.src, "alt_text": clip(image.alt or "image", 2000)}
            )
    pairs = [*context.annotations, *context.details, *context.labels]
    fields = [{"type": "mrkdwn", "text": mrkdwn(f"*{k}*\n{v}", FIELD_CHARS)} for k, v in pairs]
    for start in range(0, min(len(fields), 3 * FIELDS_PER_SECTION), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + FIELDS_PER_SECTION]})
    return blocks


def _usable(url: str) -> bool:
    return is_web_url(url) and len(url) <= BUTTON_URL_CHARS


def _button(key: str, url: str) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(link_label(key), BUTTON_TEXT_CHARS)},
        "url": url,
        # Unique per block (link keys are unique); Slack requires it to be, and it is ≤ 255 chars.
        "action_id": clip(f"onwatch-{key}", 255),
    }
    if key == "acknowledge":
        button["style"] = "primary"
    return button


class SlackChannel:
    """Posts to Slack incoming webhooks; thread-safe. Retry rules are the generic webhook's."""

    def __init__(self, name: str = "slack", client: httpx.Client | None = None, timeout: float = 5.0) -> None:
        self.name = name
        self.timeout = timeout
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client()
        # the lean client, unless the caller chose an httpx client or the environment sets a proxy
        self._poster = HttpPoster() if client is None and not proxies_configured() else None

    def send(self, message: OutboxMessage) -> None:
        try:
            notification = Notification.from_payload(message.payload)
        except (TypeError, ValueError) as exc:  # malformed stored payload: retrying cannot fix it
            raise DeliveryError(f"bad notification payload: {exc}", retryable=False) from exc
        body = orjson.dumps(slack_payload(notification))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "onwatch-slack",
            # Slack ignores it; Slack-compatible receivers (and proxies) can use it to deduplicate.
            "Idempotency-Key": message.idempotency_key,
        }
        post_json(
            self._client, message.target.get("url"), body, headers, timeout=self.timeout, poster=self._poster
        )

    def close(self) -> None:
        """Close the HTTP client if this channel created it."""
        if self._owns_client:
            self._client.close()
        if self._poster is not None:
            self._poster.close()
