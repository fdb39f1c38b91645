"""Vonage (Nexmo) SMS API: the second SMS provider (no voice here: calls go to a Twilio provider).

    POST <api>/sms/json   api_key, api_secret, from, to (digits, no "+"), text, client-ref
    200 {"message-count": "1", "messages": [{"status": "0", "message-id": ...}]}

A status other than "0" is a refusal; "1" (throttled) is worth retrying, the others are not.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from onwatch.notify.base import DeliveryError
from onwatch.notify.http_call import call

API_URL = "https://rest.nexmo.com"
THROTTLED = "1"


class VonageProvider:
    kind = "vonage"
    voice = False

    def __init__(
        self,
        name: str,
        api_key: str,
        api_secret: str,
        sender: str,
        *,
        api_url: str = "",
        prefixes: Sequence[str] = (),
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.api_key = api_key
        self.api_secret = api_secret
        self.sender = sender
        self.api_url = (api_url or API_URL).rstrip("/")
        self.prefixes = tuple(prefixes)
        self._client = client or httpx.Client()
        self.timeout = timeout

    def send_sms(self, to: str, text: str, key: str) -> str:
        form = {
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "from": self.sender,
            "to": to.lstrip("+"),
            "text": text,
            "client-ref": key[:40],
        }
        response = call(self._client, "POST", f"{self.api_url}/sms/json", data=form, timeout=self.timeout)
        try:
            [sent] = response.json()["messages"]
            status = str(sent["status"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError(f"Vonage answered: {response.text[:200]}") from exc
        if status != "0":
            text_of = sent.get("error-text", "")
            raise DeliveryError(f"Vonage status {status}: {text_of}", retryable=status == THROTTLED)
        return str(sent.get("message-id", ""))

    def call(self, to: str, answer_url: str, key: str) -> str:
        raise DeliveryError("Vonage is configured for SMS only", retryable=False)
