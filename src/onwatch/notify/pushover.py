"""Pushover channel (target {"user_key"}; the application token is ONWATCH_PUSHOVER_APP_TOKEN).

    POST <api>/1/messages.json   token, user, title, message, priority, retry, expire, url, url_title
    GET  <api>/1/receipts/<receipt>.json?token=...          {"acknowledged": 1, "acknowledged_by", ...}
    POST <api>/1/receipts/<receipt>/cancel.json  token      stop the alarm (acknowledged elsewhere)

High-urgency pages go out at emergency priority (2): Pushover repeats the alarm every `retry`
seconds until someone acknowledges it in the app, or `expire` passes. Its answer carries a receipt;
the channel schedules the `pushover_receipt` timer on it, which polls the receipt (paging/receipts.py)
and acknowledges in onwatch as the person when they acknowledged in Pushover, or cancels the
alarm once the page was acknowledged or resolved elsewhere. Low-urgency pages use priority 0.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from onwatch.db.outbox import OutboxMessage
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.notify.base import DeliveryError, notification_of
from onwatch.notify.http_call import call
from onwatch.notify.message import Message, clip

API_URL = "https://api.pushover.net"
EMERGENCY, NORMAL = 2, 0
RETRY_SECONDS = 60  # Pushover's minimum is 30
EXPIRE_SECONDS = 3 * 3600  # its maximum
POLL = timedelta(seconds=30)  # how often onwatch reads a receipt (Pushover asks for >= 5 s)
RECEIPT_TIMER = "pushover_receipt"
TITLE_CHARS, MESSAGE_CHARS, URL_CHARS = 250, 1024, 512


class PushoverApi:
    def __init__(self, token: str, api_url: str = API_URL, client: httpx.Client | None = None) -> None:
        self.token = token
        self.api_url = (api_url or API_URL).rstrip("/")
        self._client = client or httpx.Client()

    def send(self, form: dict[str, str], timeout: float = 10.0) -> dict[str, Any]:
        if not self.token:
            raise DeliveryError("Pushover is not configured: set ONWATCH_PUSHOVER_APP_TOKEN", retryable=False)
        response = call(
            self._client,
            "POST",
            f"{self.api_url}/1/messages.json",
            data={"token": self.token, **form},
            timeout=timeout,
        )
        answer: dict[str, Any] = response.json()
        return answer

    def receipt(self, receipt: str, timeout: float = 5.0) -> dict[str, Any]:
        response = call(
            self._client,
            "GET",
            f"{self.api_url}/1/receipts/{receipt}.json",
            params={"token": self.token},
            timeout=timeout,
        )
        answer: dict[str, Any] = response.json()
        return answer

    def cancel(self, receipt: str, timeout: float = 5.0) -> None:
        url = f"{self.api_url}/1/receipts/{receipt}/cancel.json"
        call(self._client, "POST", url, data={"token": self.token}, timeout=timeout)


def pushover_form(message: Message, user: str, urgency: str) -> dict[str, str]:
    form = {
        "user": user,
        "title": clip(message.headline, TITLE_CHARS),
        "message": clip("\n".join(message.lines()) or message.title, MESSAGE_CHARS),
        "priority": str(EMERGENCY if urgency == "high" else NORMAL),
    }
    if urgency == "high":
        form |= {"retry": str(RETRY_SECONDS), "expire": str(EXPIRE_SECONDS)}
    if message.view and len(message.view) <= URL_CHARS:
        form |= {"url": message.view, "url_title": "Open in onwatch"}
    return form


class ReceiptTimers:
    """Schedules the receipt poll of an emergency message (a durable timer: it survives restarts)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def __call__(self, receipt: str, message: OutboxMessage) -> None:
        group = message.payload.get("ref", {}).get("alert_group")
        person = message.payload.get("recipient")
        if not isinstance(group, int) or not person:
            return
        now = self.clock.now()
        payload = {"receipt": receipt, "group": group, "person": person}
        with self.db.write() as uow:
            uow.timers.schedule(RECEIPT_TIMER, now + POLL, payload, f"pushover:{receipt}", now)


class PushoverChannel:
    name = "pushover"

    def __init__(
        self, api: PushoverApi, receipts: Callable[[str, OutboxMessage], None] | None = None
    ) -> None:
        self.api = api
        self.receipts = receipts

    def send(self, message: OutboxMessage) -> None:
        notification = notification_of(message)
        user = message.target.get("user_key")
        if not isinstance(user, str) or not user:
            raise DeliveryError("target has no Pushover user key", retryable=False)
        answer = self.api.send(pushover_form(Message.of(notification), user, notification.urgency))
        receipt = answer.get("receipt")
        if isinstance(receipt, str) and receipt and self.receipts is not None:
            self.receipts(receipt, message)
