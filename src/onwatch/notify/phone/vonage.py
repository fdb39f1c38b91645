"""Vonage (Nexmo): the second SMS provider, and a voice one when the account has a Voice API
application (its id and private key: the calls themselves are in vonage_voice.py).

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
from collections.abc import Mapping, Sequence
from enum import StrEnum

import httpx
import jwt

from onwatch.notify.base import DeliveryError
from onwatch.notify.http_call import call
from onwatch.notify.phone import vonage_voice
from onwatch.notify.phone.providers import HttpPhoneProvider

API_URL = "https://rest.nexmo.com"
VOICE_API_URL = "https://api.nexmo.com"
# where a call fetches its NCCO: <public URL><VOICE_PATH><the page's signed token> (chat/vonage_voice.py)
VOICE_PATH = "/api/v1/chat/vonage/voice/"
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
    """`account` is the API key, `secret` the API secret; with a Voice API `application_id` and its
    `private_key` (PEM) it places calls too. `api_url`, when given, serves both APIs (tests)."""

    kind = "vonage"
    default_api_url = API_URL

    def __init__(
        self,
        name: str,
        account: str,
        secret: str,
        sender: str,
        *,
        application_id: str = "",
        private_key: str = "",
        api_url: str = "",
        prefixes: Sequence[str] = (),
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(
            name, account, secret, sender, api_url=api_url, prefixes=prefixes, client=client, timeout=timeout
        )
        self.application_id = application_id
        self.private_key = private_key
        self.voice = bool(application_id and private_key)
        self.voice_api_url = (api_url or VOICE_API_URL).rstrip("/")

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

    def call(self, to: str, public_url: str, token: str, key: str) -> str:
        """POST /v1/calls: Vonage then fetches the page's NCCO from onwatch (chat/vonage_voice.py)."""
        if not self.voice:
            raise DeliveryError("Vonage is configured for SMS only (no application_id)", retryable=False)
        try:
            bearer = vonage_voice.api_token(self.application_id, self.private_key)
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise DeliveryError(
                f"Vonage private key unusable: {type(exc).__name__}", retryable=False
            ) from exc
        response = call(
            self._client,
            "POST",
            f"{self.voice_api_url}/v1/calls",
            headers={"Authorization": f"Bearer {bearer}"},
            json=vonage_voice.create_call(to, self.sender, f"{public_url}{VOICE_PATH}{token}"),
            timeout=self.timeout,
        )
        try:
            return str(response.json()["uuid"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError(f"Vonage answered without a call uuid: {response.text[:200]}") from exc
