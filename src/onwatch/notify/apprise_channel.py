"""Apprise: any Apprise URL as a contact method or channel (target {"url"}), for the long tail of
services onwatch has no module of its own for (https://github.com/caronc/apprise/wiki).

Apprise reports only success or failure, not why: a failure is retried like a transient one. The
URL is never put in an error message (it usually holds the service's credentials).
"""

from __future__ import annotations

from onwatch.db.outbox import OutboxMessage
from onwatch.notify.base import DeliveryError, notification_of
from onwatch.notify.message import Message


class AppriseChannel:
    name = "apprise"

    def send(self, message: OutboxMessage) -> None:
        import apprise  # its ~200 plugins load on first use only

        url = message.target.get("url")
        if not isinstance(url, str) or not url:
            raise DeliveryError("target has no Apprise URL", retryable=False)
        sender = apprise.Apprise()
        if not sender.add(url):
            raise DeliveryError(
                "Apprise does not accept this URL (unknown scheme or missing parts)", retryable=False
            )
        content = Message.of(notification_of(message))
        body = content.text(4000)
        kind = (
            apprise.NotifyType.FAILURE
            if content.severity.lower() == "critical"
            else apprise.NotifyType.WARNING
        )
        if not sender.notify(body=body or content.title, title=content.headline, notify_type=kind):
            raise DeliveryError(
                "Apprise could not deliver (see the log for the service's answer)", retryable=True
            )
