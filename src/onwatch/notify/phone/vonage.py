"""Vonage (Nexmo) SMS API: the second SMS provider (no voice here: calls go to a Twilio provider).

    POST <api>/sms/json   api_key, api_secret, from, to (digits, no "+"), text, client-ref
    200 {"message-count": "1", "messages": [{"status": "0", "message-id": ...}]}

A status other than "0" is a refusal; "1" (throttled) is worth retrying, the others are not.

Inbound SMS webhooks (msisdn, to, messageId, text, type, keyword, message-timestamp), when the
account signs them, also carry `timestamp` (Unix seconds) and `sig`: over every other parameter,
sorted by name, each written `&name=value` with "&" and "=" in values replaced by "_"; then either
md5 of that string followed by the signature secret ("md5hash", the legacy method), or the hex HMAC
of the string keyed with the secret ("md5", "sha1", "sha256", "sha512").
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from enum import StrEnum

from onwatch.notify.base import DeliveryError
from onwatch.notify.http_call import call
from onwatch.notify.phone.providers import HttpPhoneProvider

API_URL = "https://rest.nexmo.com"
THROTTLED = "1"


class SignatureMethod(StrEnum):
    """The signature methods a Vonage account can sign its webhooks with (its dashboard's names)."""

    MD5HASH = "md5hash"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA512 = "sha512"


def signature(secret: str, method: SignatureMethod, params: Mapping[str, str]) -> str:
    """The hex `sig` Vonage sends with `params` (any `sig` among them is left out)."""
    data = "".join(
        f"&{key}={params[key].replace('&', '_').replace('=', '_')}" for key in sorted(params) if key != "sig"
    )
    if method is SignatureMethod.MD5HASH:
        return hashlib.md5((data + secret).encode()).hexdigest()
    return hmac.new(secret.encode(), data.encode(), method.value).hexdigest()


def is_signed(secret: str, method: SignatureMethod, params: Mapping[str, str]) -> bool:
    # Vonage's hex may come in either case: compare lower-cased
    given = params.get("sig", "").lower()
    return (
        bool(secret)
        and bool(given)
        and hmac.compare_digest(signature(secret, method, params).encode(), given.encode())
    )


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
