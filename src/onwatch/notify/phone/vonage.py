"""Vonage (Nexmo) SMS API: the second SMS provider (no voice here: calls go to a Twilio provider).

    POST <api>/sms/json   api_key, api_secret, from, to (digits, no "+"), text, client-ref
    200 {"message-count": "1", "messages": [{"status": "0", "message-id": ...}]}

A status other than "0" is a refusal; "1" (throttled) is worth retrying, the others are not.
"""

from __future__ import annotations

from onwatch.notify.base import DeliveryError
from onwatch.notify.http_call import call
from onwatch.notify.phone.providers import HttpPhoneProvider

API_URL = "https://rest.nexmo.com"
THROTTLED = "1"


class VonageProvider(HttpPhoneProvider):
    """`account` is the API key, `secret` the API secret."""

    kind = "vonage"
    voice = False
    default_api_url = API_URL

    def send_sms(self, to: str, text: str, key: str) -> str:
        form = {
            "api_key": self.account,
            "api_secret": self.secret,
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
