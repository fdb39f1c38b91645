"""Signed one-click links in notifications: acknowledge or resolve an alert group without signing in.

A link carries (alert group, action, person, expiry) and an HMAC over them with a secret shared by
all replicas. Opening it shows a confirmation page; only the POST that follows acts, so mail
scanners that prefetch links cannot acknowledge pages by accident.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from onwatch.kernel.enums import FeedbackChoice

LINK_LIFETIME = timedelta(days=7)
GROUP_ACTIONS = ("acknowledge", "resolve")  # what /a/{token} does
# what /f/{token} records (onwatch.reports.feedback): one signed link per choice in every page
FEEDBACK_ACTIONS = tuple(f"feedback:{c.value}" for c in FeedbackChoice)


def feedback_link_key(choice: FeedbackChoice) -> str:
    """The `Notification.links` key of a choice's link (Slack buttons and email links are labelled
    from it)."""
    return f"feedback_{choice.value}"


@dataclass(frozen=True)
class LinkClaim:
    group_id: int
    action: str  # "acknowledge", "resolve", or "feedback:<choice>" (FEEDBACK_ACTIONS)
    person: str
    expires: datetime


class LinkSigner:
    def __init__(self, secret: str, public_url: str) -> None:
        self._key = secret.encode()
        self.public_url = public_url.rstrip("/")

    def token(self, claim: LinkClaim) -> str:
        body = orjson.dumps(
            {"g": claim.group_id, "a": claim.action, "p": claim.person, "e": int(claim.expires.timestamp())}
        )
        encoded = base64.urlsafe_b64encode(body).rstrip(b"=")
        signature = base64.urlsafe_b64encode(
            hmac.new(self._key, encoded, hashlib.sha256).digest()[:20]
        ).rstrip(b"=")
        return f"{encoded.decode()}.{signature.decode()}"

    def url(self, group_id: int, action: str, person: str, now: datetime) -> str:
        return f"{self.public_url}/a/{self.token(LinkClaim(group_id, action, person, now + LINK_LIFETIME))}"

    def feedback_url(self, group_id: int, choice: FeedbackChoice, person: str, now: datetime) -> str:
        claim = LinkClaim(group_id, f"feedback:{choice.value}", person, now + LINK_LIFETIME)
        return f"{self.public_url}/f/{self.token(claim)}"

    def verify(self, token: str, now: datetime, actions: Collection[str] = GROUP_ACTIONS) -> LinkClaim | None:
        """The claim if the signature holds, it has not expired and its action is one of `actions`
        (a feedback link never acknowledges, an acknowledge link never records feedback); else None."""
        try:
            encoded, signature = token.encode().split(b".", 1)
            expected = base64.urlsafe_b64encode(
                hmac.new(self._key, encoded, hashlib.sha256).digest()[:20]
            ).rstrip(b"=")
            if not hmac.compare_digest(signature, expected):
                return None
            data = orjson.loads(base64.urlsafe_b64decode(encoded + b"=" * (-len(encoded) % 4)))
            claim = LinkClaim(
                int(data["g"]), str(data["a"]), str(data["p"]), datetime.fromtimestamp(data["e"], UTC)
            )
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            return None
        return claim if claim.expires > now and claim.action in actions else None
