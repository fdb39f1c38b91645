"""Status page subscriptions (email with double opt-in, webhook with a challenge) and the notices
they receive.

A web handler never talks to SMTP or to a webhook: it records the intent in the outbox, in the same
transaction as the change, and the engine delivers it (with retries and an idempotency key).
Subscribing needs no account, so it is rate-limited: per client address (subscription requests),
and per email address (confirmation mails), so onwatch cannot be made to flood anyone.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database, UnitOfWork
from onwatch.incidents.events import PublicUpdatePosted
from onwatch.kernel.clock import Clock
from onwatch.kernel.errors import InvalidInput, NotFound, RateLimited
from onwatch.kernel.events import EventBus
from onwatch.kernel.rate_limit import RateLimiter, client_key, in_words
from onwatch.notify.base import Notification
from onwatch.notify.targets import TargetRefused, checked_address
from onwatch.status.subscribers import Subscriber, SubscriberRepository
from onwatch.status.webhooks import CHALLENGE, CHANNEL, allows_private_targets

_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]{1,255}\.[A-Za-z0-9-]{2,63}$")


def clean_email(address: str) -> str:
    value = address.strip()
    if not _EMAIL.match(value) or len(value) > 320:
        raise InvalidInput("enter an email address like name@example.com", field="email")
    return value


def clean_webhook_url(url: str) -> str:
    value = url.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 1024:
        raise InvalidInput("enter an http:// or https:// URL", field="url")
    return value


@dataclass(frozen=True)
class SubscriptionLimits:
    per_client: int = 10  # subscription requests per client address per window
    client_window: timedelta = timedelta(hours=1)
    per_recipient: int = 3  # confirmation mails to one email address per window
    recipient_window: timedelta = timedelta(days=1)


class StatusSubscriptions:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        public_url: str,
        page_name: str = "onwatch",
        *,
        cache: ConfigCache,
        limits: SubscriptionLimits | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.page_name = page_name
        self.cache = cache
        limits = limits or SubscriptionLimits()
        self.clients = RateLimiter(clock, limits.per_client, limits.client_window)
        self.recipients = RateLimiter(clock, limits.per_recipient, limits.recipient_window)

    def _client_may(self, client: str | None) -> None:
        wait = self.clients.take(client_key(client))
        if wait is not None:
            raise RateLimited(
                f"Too many subscription requests from your address; try again in {in_words(wait)}.", wait
            )

    def subscribe_email(self, address: str, client: str | None = None) -> int:
        """Record the address unconfirmed and queue the confirmation mail (double opt-in)."""
        self._client_may(client)
        email = clean_email(address)
        wait = self.recipients.take(email.lower())
        if wait is not None:
            raise RateLimited(
                f"We already sent confirmation mails to this address; try again in {in_words(wait)}.",
                wait,
                field="email",
            )
        now = self.clock.now()
        with self.db.write() as uow:
            repo = SubscriberRepository(uow.conn)
            token, subscriber_id = repo.add("email", email, now, confirmed=False)
            link = f"{self.public_url}/status/subscriptions/{token}/confirm"
            notification = Notification(
                kind="status_confirm",
                title="Confirm your status page subscription",
                text=(
                    "Someone (hopefully you) asked to receive status updates by email. Open the link "
                    "and press Confirm to start receiving them; ignore this mail otherwise."
                ),
                recipient=email,
                links={"confirm": link},
                ref={"subscriber": subscriber_id},
            )
            uow.outbox.enqueue(
                [_row(f"status-confirm:{subscriber_id}", "email", {"address": email}, notification, now)]
            )
            return subscriber_id

    def subscribe_webhook(self, url: str, client: str | None = None) -> tuple[int, str]:
        """Record the URL inactive and queue the challenge it must echo (see status/webhooks.py);
        refused unless it resolves to public addresses only. Returns its id and unsubscribe token."""
        self._client_may(client)
        target = clean_webhook_url(url)
        try:
            checked_address(target, allow_private=allows_private_targets(self.db, self.cache))
        except TargetRefused as refused:
            raise InvalidInput(refused.message, field="url") from refused
        now = self.clock.now()
        with self.db.write() as uow:
            repo = SubscriberRepository(uow.conn)
            token, subscriber_id = repo.add("webhook", target, now, confirmed=False)
            subscriber = repo.by_token(token)
            assert subscriber is not None
            uow.outbox.enqueue([challenge_row(subscriber, self.public_url, self.page_name, now)])
            return subscriber_id, token

    def find(self, token: str) -> Subscriber:
        with self.db.read() as uow:
            found = SubscriberRepository(uow.conn).by_token(token)
        if found is None:
            raise NotFound("this subscription link is not valid", field="token")
        return found

    def confirm(self, token: str) -> Subscriber:
        with self.db.write() as uow:
            repo = SubscriberRepository(uow.conn)
            found = repo.by_token(token)
            if found is None or found.unsubscribed_at is not None:
                raise NotFound("this subscription link is not valid", field="token")
            repo.confirm(found.id, self.clock.now())
            return found

    def unsubscribe(self, token: str) -> Subscriber:
        with self.db.write() as uow:
            repo = SubscriberRepository(uow.conn)
            found = repo.by_token(token)
            if found is None:
                raise NotFound("this subscription link is not valid", field="token")
            repo.unsubscribe(found.id, self.clock.now())
            return found


class SubscriberNotices:
    """Subscribed at composition (onwatch.bootstrap): a public update posted queues a notice for
    every active subscriber, in the update's transaction (the outbox delivers)."""

    def __init__(self, public_url: str) -> None:
        self.base = public_url.rstrip("/")

    def subscribe(self, bus: EventBus[UnitOfWork]) -> None:
        bus.subscribe(PublicUpdatePosted, self.update_posted)

    def update_posted(self, uow: UnitOfWork, event: PublicUpdatePosted) -> None:
        """Never for a confidential incident: the domain refuses to post one, and this checks again."""
        if event.confidential:
            return
        update, base, rows = event.update, self.base, []
        for s in SubscriberRepository(uow.conn).active():
            notification = Notification(
                kind="status_update",
                title=f"{event.title}: {update.state.value.capitalize()}",
                text=update.body,
                recipient=s.address,
                links={
                    "view": f"{base}/status/incidents/{event.incident_id}",
                    "unsubscribe": _unsubscribe(base, s),
                },
                facts={"status": update.status.title, "state": update.state.value},
                ref={"incident": event.incident_id, "update_at": update.at.isoformat()},
            )
            email = s.kind == "email"
            target = {"address": s.address} if email else {"url": s.address}
            key = f"status-update:{event.incident_id}:{update.at.isoformat()}:{s.id}"
            rows.append(_row(key, "email" if email else CHANNEL, target, notification, event.at))
        uow.outbox.enqueue(rows)


# the challenge for a subscription made before subscriptions were confirmed (migration 0020)
RECONFIRM = "reconfirm"


def challenge_row(
    subscriber: Subscriber, public_url: str, page_name: str, now: datetime, why: str = ""
) -> dict[str, object]:
    """The outbox row of the challenge a webhook subscriber must echo to become active."""
    if why == RECONFIRM:
        title = "Confirm your status page webhook again"
        asked = (
            f"This URL receives {page_name}'s status page updates. Webhook subscriptions are now "
            "confirmed by a challenge, and this one never was: updates are paused until it is. To "
            "receive them again,"
        )
    else:
        title = "Confirm your status page webhook"
        asked = f"Someone asked {page_name}'s status page to POST its updates to this URL. To receive them,"
    notification = Notification(
        kind=CHALLENGE,
        title=title,
        text=(
            f"{asked} answer this request with the challenge as the body (or as JSON "
            '{"challenge": ...}); ignore it otherwise and nothing more is sent.'
        ),
        recipient=subscriber.address,
        links={"unsubscribe": _unsubscribe(public_url.rstrip("/"), subscriber)},
        ref={"subscriber": subscriber.id, "challenge": secrets.token_urlsafe(24)},
    )
    key = f"status-challenge:{subscriber.id}" + (f":{why}" if why else "")
    return _row(key, CHANNEL, {"url": subscriber.address}, notification, now)


def _unsubscribe(base: str, subscriber: Subscriber) -> str:
    return f"{base}/status/subscriptions/{subscriber.token}/unsubscribe"


def _row(
    key: str, channel: str, target: dict[str, str], notification: Notification, now: datetime
) -> dict[str, object]:
    return {
        "idempotency_key": key,
        "channel": channel,
        "target": target,
        "payload": notification.to_payload(),
        "next_attempt_at": now,
        "created_at": now,
        "correlation": None,
    }
