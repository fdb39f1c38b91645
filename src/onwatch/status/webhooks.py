"""Delivery to status page webhook subscribers: URLs that anonymous visitors gave, so never trusted.

A subscription is stored inactive and the engine POSTs it a signed challenge
(`notification.kind: "status_webhook_challenge"`, `ref: {"subscriber", "challenge"}`); it becomes
active only when the endpoint answers 2xx with the challenge as its body or as JSON
`{"challenge": ...}`, so nobody can make onwatch post to a URL whose owner did not ask for it.
Every delivery resolves the host again and connects only to public addresses it checked
(notify/targets.py; `status_page.webhooks.allow_private_targets` lifts that).
"""

from __future__ import annotations

import orjson

from onwatch.config.cache import ConfigCache
from onwatch.db.outbox import OutboxMessage
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.kernel.errors import NotFound
from onwatch.notify.base import DeliveryError
from onwatch.notify.http_post import HttpPoster
from onwatch.notify.targets import TargetRefused, checked_address
from onwatch.notify.webhook import encode_body, raise_unless_success, signed_headers
from onwatch.status.subscribers import SubscriberRepository

CHANNEL = "status_webhook"
CHALLENGE = "status_webhook_challenge"
ANSWER_BYTES = 4096


def allows_private_targets(db: Database, cache: ConfigCache) -> bool:
    """The config's `status_page.webhooks.allow_private_targets` (False before any config)."""
    try:
        with db.read() as uow:
            return cache.get(uow).config.status_page.webhooks.allow_private_targets
    except NotFound:
        return False


def echoes(body: bytes, challenge: str) -> bool:
    """Whether a response body gives the challenge back (plain, or as JSON {"challenge": ...})."""
    text = body.strip()
    if text == challenge.encode():
        return True
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return isinstance(data, dict) and data.get("challenge") == challenge


class StatusWebhookChannel:
    """Thread-safe; one instance serves every status webhook subscriber."""

    name = CHANNEL

    def __init__(
        self,
        db: Database,
        clock: Clock,
        cache: ConfigCache,
        *,
        default_secret: str = "",
        timeout: float = 5.0,
    ) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self.default_secret = default_secret
        self.timeout = timeout
        # always the lean client: a proxy from the environment would resolve the host itself
        self._poster = HttpPoster()

    def send(self, message: OutboxMessage) -> None:
        url = message.target.get("url")
        if not isinstance(url, str) or not url:
            raise DeliveryError("target has no URL", retryable=False)
        try:
            address = checked_address(url, allow_private=allows_private_targets(self.db, self.cache))
        except TargetRefused as refused:
            raise DeliveryError(refused.message, retryable=refused.retryable) from refused
        body = encode_body(message)
        headers = signed_headers(self.default_secret, message.idempotency_key, body)
        answer = self._poster.post(
            url, body, headers, timeout=self.timeout, keep=ANSWER_BYTES, address=address
        )
        raise_unless_success(answer)
        if message.payload.get("kind") == CHALLENGE:
            self._confirm(message, answer.body)

    def _confirm(self, message: OutboxMessage, body: bytes) -> None:
        ref = message.payload.get("ref") or {}
        challenge, subscriber = ref.get("challenge"), ref.get("subscriber")
        if not isinstance(challenge, str) or not isinstance(subscriber, int):
            raise DeliveryError("the challenge message lost its reference", retryable=False)
        if not echoes(body, challenge):
            raise DeliveryError(
                "the endpoint answered without echoing the challenge: the subscription stays inactive",
                retryable=False,
            )
        with self.db.write() as uow:
            SubscriberRepository(uow.conn).confirm(subscriber, self.clock.now())

    def close(self) -> None:
        self._poster.close()
