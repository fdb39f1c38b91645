"""Slack's request signature, checked over the raw bytes of the body before anything decodes them.

Slack signs `v0:<timestamp>:<body>` with HMAC-SHA256 and the app's signing secret and sends
`X-Slack-Signature: v0=<hex>` and `X-Slack-Request-Timestamp`. slack_sdk's SignatureVerifier
decodes the body as UTF-8 first, so a body that is not UTF-8 raised inside it (a 500); checking
the bytes here means such a body is refused as unsigned (401) or, when signed, as undecodable (400).
"""

from __future__ import annotations

import hashlib
import hmac

# Slack's replay window: a request older (or newer) than this is refused
MAX_AGE_SECONDS = 5 * 60


def signature_of(secret: str, timestamp: str, body: bytes) -> str:
    """`v0=<hex>` as Slack computes it (the tests sign with it too)."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def is_valid(secret: str, body: bytes, timestamp: str, signature: str, now: float) -> bool:
    """True for a fresh request signed with `secret`; any malformed header is simply invalid."""
    if not timestamp.isascii() or not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    return hmac.compare_digest(
        signature_of(secret, timestamp, body).encode(), signature.encode("utf-8", "replace")
    )
