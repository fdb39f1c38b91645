"""Status page subscriptions (email with double opt-in, webhook) and the notices they receive.

A web handler never talks to SMTP or to a webhook: it records the intent in the outbox, in the same
transaction as the change, and the engine delivers it (with retries and an idempotency key).
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from onwatch.db.uow import Database, UnitOfWork
from onwatch.incidents.events import PublicUpdatePosted
from onwatch.kernel.clock import Clock
from onwatch.kernel.errors import InvalidInput, NotFound
from onwatch.kernel.events import EventBus
from onwatch.notify.base import Notification
from onwatch.status.subscribers import Subscriber, SubscriberRepository

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


class StatusSubscriptions:
    def __init__(self, db: Database, clock: Clock, public_url: str, page_name: str = "onwatch") -> None:
        self.db = db
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.page_name = page_name

    def subscribe_email(self, address: str) -> int:
        """Record the address unconfirmed and queue the confirmation mail (double opt-in)."""
        email = clean_email(address)
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
            uow.engine.enqueue(
                [_row(f"status-confirm:{subscriber_id}", "email", {"address": email}, notification, now)]
            )
            return subscriber_id

    def subscribe_webhook(self, url: str) -> tuple[int, str]:
        """A webhook subscriber is active at once; returns its id and its unsubscribe token."""
        target = clean_webhook_url(url)
        with self.db.write() as uow:
            token, subscriber_id = SubscriberRepository(uow.conn).add(
                "webhook", target, self.clock.now(), confirmed=True
            )
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
            target = {"address": s.address} if s.kind == "email" else {"url": s.address}
            key = f"status-update:{event.incident_id}:{update.at.isoformat()}:{s.id}"
            rows.append(_row(key, s.kind, target, notification, event.at))
        uow.engine.enqueue(rows)


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
