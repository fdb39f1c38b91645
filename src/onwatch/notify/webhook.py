"""Generic webhook channel: POST each notification as signed JSON to the target URL.

    POST <target["url"]>   Idempotency-Key: <key, the same on every retry>
    X-Onwatch-Timestamp: <unix seconds>   X-Onwatch-Signature: sha256=<hex HMAC-SHA256>
    {"idempotency_key": "<key>", "notification": {...}}   (see `Notification.to_payload`)

The HMAC is keyed with the target's "secret" (else ONWATCH_WEBHOOK_SECRET) over
`f"{timestamp}.".encode() + body`, the raw bytes; `verify_signature` is how a receiver checks it
(README, "Alerts and paging"). 2xx is success; 408, 425, 429, 5xx and connection errors are
retried; anything else (3xx too: a POST is not replayed elsewhere) fails for good.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from onwatch.db.outbox import OutboxMessage
from onwatch.notify.base import DeliveryError
from onwatch.notify.http_post import DRAIN_BYTES, Answer, HttpPoster, proxies_configured

SIGNATURE_PREFIX = "sha256="
RETRYABLE_STATUSES = frozenset({408, 425, 429})
# How much of a failed response we keep in the error message (the outbox stores it).
ERROR_TEXT_CHARS = 200


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Onwatch-Signature header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def signed_headers(secret: str, idempotency_key: str, body: bytes) -> dict[str, str]:
    """The headers of a signed onwatch webhook POST of `body` (sent now)."""
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": "onwatch-webhook",
        "Idempotency-Key": idempotency_key,
        "X-Onwatch-Timestamp": timestamp,
        "X-Onwatch-Signature": sign(secret, timestamp, body),
    }


def verify_signature(
    secret: str, timestamp: str, body: bytes, header: str, *, now: float, tolerance: float = 300
) -> bool:
    """True if `header` signs exactly `body` at `timestamp` and `timestamp` is within `tolerance` s of `now`.

    `now` is a parameter (not read from the clock) so receivers and tests decide what "now" is.
    """
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance:
        return False
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header is attacker-controlled.
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), header.encode())


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUSES or status >= 500


def raise_unless_success(answer: Answer) -> None:
    """Return on a 2xx answer, else raise DeliveryError with the start of its text, classified."""
    if 200 <= answer.status < 300:
        return
    try:
        text = answer.body.decode(answer.charset, errors="replace")
    except LookupError:  # a charset Python does not know
        text = answer.body.decode("utf-8", errors="replace")
    raise DeliveryError(
        f"HTTP {answer.status}: {' '.join(text.split())[:ERROR_TEXT_CHARS]}",
        retryable=is_retryable_status(answer.status),
    )


def post_json(
    client: httpx.Client,
    url: Any,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float,
    poster: HttpPoster | None = None,
) -> None:
    """POST `body` to `url`; return on 2xx, else raise DeliveryError classified as described above.

    Shared by every HTTP channel. Through `poster` (http.client, kept-alive connections) when given,
    else through the httpx `client`. Error messages never contain the URL: for Slack the URL is the
    credential.
    """
    if not isinstance(url, str) or not url:
        raise DeliveryError("target has no URL", retryable=False)
    if poster is not None:
        raise_unless_success(poster.post(url, body, headers, timeout=timeout, keep=ERROR_TEXT_CHARS * 4))
        return
    try:
        # Streamed so that a huge error page is never read whole; we only keep its start.
        with client.stream("POST", url, content=body, headers=headers, timeout=timeout) as response:
            if response.is_success:
                _drain(response)
                return
            status = response.status_code
            snippet = _read_snippet(response)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise DeliveryError(f"invalid target URL: {exc}", retryable=False) from exc
    except httpx.HTTPError as exc:  # refused, reset, DNS, timeouts: the receiver may come back
        raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from exc
    raise DeliveryError(f"HTTP {status}: {snippet}", retryable=is_retryable_status(status))


def _drain(response: httpx.Response) -> None:
    """Read a (small) success body to its end, so the connection goes back to the pool for the next
    delivery instead of being closed; a large one is abandoned (and its connection closed)."""
    read = 0
    try:
        for chunk in response.iter_raw():
            read += len(chunk)
            if read > DRAIN_BYTES:
                return
    except httpx.HTTPError:
        pass  # delivered all the same: the status said so


def _read_snippet(response: httpx.Response) -> str:
    raw = b""
    try:
        for chunk in response.iter_bytes():
            raw += chunk
            if len(raw) >= ERROR_TEXT_CHARS * 4:  # enough bytes for 200 chars of any UTF-8
                break
    except httpx.HTTPError:
        pass  # the status already decides; a broken error body must not hide it
    text = raw.decode(response.encoding or "utf-8", errors="replace")
    return " ".join(text.split())[:ERROR_TEXT_CHARS]


def encode_body(message: OutboxMessage) -> bytes:
    try:
        return orjson.dumps({"idempotency_key": message.idempotency_key, "notification": message.payload})
    except orjson.JSONEncodeError as exc:  # the stored payload itself is bad; retrying cannot fix it
        raise DeliveryError(f"payload is not JSON-serializable: {exc}", retryable=False) from exc


class WebhookChannel:
    """Signed JSON POSTs; thread-safe (httpx.Client is), one instance serves all targets."""

    def __init__(
        self,
        name: str = "webhook",
        client: httpx.Client | None = None,
        default_secret: str = "",
        timeout: float = 5.0,
    ) -> None:
        self.name = name
        self.default_secret = default_secret
        self.timeout = timeout
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client()
        # the lean client, unless the caller chose an httpx client or the environment sets a proxy
        self._poster = HttpPoster() if client is None and not proxies_configured() else None

    def send(self, message: OutboxMessage) -> None:
        secret = message.target.get("secret") or self.default_secret
        if not isinstance(secret, str):
            raise DeliveryError("target secret must be a string", retryable=False)
        if not secret:
            raise DeliveryError(
                "no signing secret: give the webhook a secret or set ONWATCH_WEBHOOK_SECRET", retryable=False
            )
        body = encode_body(message)
        headers = signed_headers(secret, message.idempotency_key, body)
        post_json(
            self._client, message.target.get("url"), body, headers, timeout=self.timeout, poster=self._poster
        )

    def close(self) -> None:
        """Close the HTTP client if this channel created it."""
        if self._owns_client:
            self._client.close()
        if self._poster is not None:
            self._poster.close()
