"""Twilio: Programmable Messaging and Voice over its REST API, and the signature of its webhooks.

    POST <api>/2010-04-01/Accounts/<AccountSid>/Messages.json   To, From, Body
    POST <api>/2010-04-01/Accounts/<AccountSid>/Calls.json      To, From, Url (TwiML to say), Method
    HTTP Basic auth: AccountSid : AuthToken

Webhooks from Twilio (an SMS reply, a call fetching its TwiML, the key pressed) carry
X-Twilio-Signature: base64(HMAC-SHA1(AuthToken, URL + each POST parameter's name and value, sorted
by name)), over the exact URL Twilio was given (onwatch's public URL).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from onwatch.notify.base import DeliveryError
from onwatch.notify.http_call import call
from onwatch.notify.phone.providers import HttpPhoneProvider

API_URL = "https://api.twilio.com"
# where a call fetches its TwiML: <public URL><VOICE_PATH><the page's signed token> (chat/twilio.py)
VOICE_PATH = "/api/v1/chat/twilio/voice/"


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def is_signed(auth_token: str, url: str, params: Mapping[str, str], header: str) -> bool:
    return bool(auth_token) and hmac.compare_digest(
        signature(auth_token, url, params).encode(), header.encode()
    )


class TwilioProvider(HttpPhoneProvider):
    """`account` is the AccountSid, `secret` its AuthToken."""

    kind = "twilio"
    voice = True
    default_api_url = API_URL

    def _post(self, resource: str, form: dict[str, str]) -> str:
        url = f"{self.api_url}/2010-04-01/Accounts/{self.account}/{resource}.json"
        response = call(
            self._client, "POST", url, data=form, auth=(self.account, self.secret), timeout=self.timeout
        )
        try:
            return str(response.json()["sid"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError(f"Twilio answered without a sid: {response.text[:200]}") from exc

    def send_sms(self, to: str, text: str, key: str) -> str:
        return self._post("Messages", {"To": to, "From": self.sender, "Body": text})

    def call(self, to: str, public_url: str, token: str, key: str) -> str:
        answer_url = f"{public_url}{VOICE_PATH}{token}"
        return self._post("Calls", {"To": to, "From": self.sender, "Url": answer_url, "Method": "POST"})
