"""Vonage Voice API: the call, what it says, and the signature of its webhooks.

    POST <api>/v1/calls   Authorization: Bearer <JWT signed RS256 with the application's private key,
                          claims application_id, iat, exp, jti>
                          {"to": [{"type": "phone", "number": digits}], "from": {...},
                           "answer_url": [<onwatch>/api/v1/chat/vonage/voice/<token>],
                           "answer_method": "POST"}
    201 {"uuid": ..., "status": "started", "direction": "outbound", "conversation_uuid": ...}

When the call is answered Vonage POSTs answer_url and onwatch answers an NCCO: `talk` (the page)
then `input` of type dtmf (one key), whose eventUrl receives the key pressed. Vonage's signed
webhooks carry `Authorization: Bearer <JWT>` signed HS256 with the account's signature secret,
whose claims name the account (`api_key`), when it was sent (`iat`) and the body's SHA-256
(`payload_hash`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import jwt

KEY_DIGITS = 1
KEY_TIMEOUT_SECONDS = 10
TOKEN_SECONDS = 15 * 60  # the API's JWTs live at most a day; a short one is enough for one request


def api_token(application_id: str, private_key: str, now: float | None = None) -> str:
    """The Bearer JWT of one Voice API request, RS256 with the application's private key (PEM)."""
    issued = int(time.time() if now is None else now)
    claims = {
        "application_id": application_id,
        "iat": issued,
        "exp": issued + TOKEN_SECONDS,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, private_key, algorithm="RS256")


def create_call(to: str, sender: str, answer_url: str) -> dict[str, Any]:
    """The body of POST /v1/calls: the number to call, the caller id, where to fetch the NCCO."""
    caller = {"type": "phone", "number": sender.lstrip("+")}
    return {
        "to": [{"type": "phone", "number": to.lstrip("+")}],
        "from": caller,
        "answer_url": [answer_url],
        "answer_method": "POST",
    }


def page_ncco(said: str, key_url: str) -> list[dict[str, Any]]:
    """What a page's call does: say the page and "press 1", then wait for one key (sent to key_url)."""
    return [
        {"action": "talk", "text": f"{said} Press 1 to acknowledge.", "bargeIn": True},
        {
            "action": "input",
            "type": ["dtmf"],
            "dtmf": {"maxDigits": KEY_DIGITS, "timeOut": KEY_TIMEOUT_SECONDS},
            "eventUrl": [key_url],
            "eventMethod": "POST",
        },
    ]


def say(text: str) -> list[dict[str, Any]]:
    return [{"action": "talk", "text": text}]


def signed_claims(
    authorization: str, body: bytes, secrets: Mapping[str, Sequence[str]], now: float, max_skew: float
) -> dict[str, Any] | None:
    """The claims of a webhook's JWT if one of the signature secrets of the account it names
    (`secrets`: api key -> secrets) signs it, it was sent within `max_skew` seconds of `now`, and its
    payload_hash is the body's; else None."""
    token = authorization.removeprefix("Bearer ").strip()
    if not token or token == authorization:
        return None
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
        candidates = secrets.get(str(unverified.get("api_key", "")), ())
    except (jwt.PyJWTError, AttributeError):
        return None
    for secret in candidates:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"require": ["iat", "payload_hash"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            continue
        issued = claims["iat"]
        if not isinstance(issued, int | float) or abs(now - issued) > max_skew:
            return None
        digest = hashlib.sha256(body).hexdigest()
        if not hmac.compare_digest(str(claims["payload_hash"]).lower().encode(), digest.encode()):
            return None
        return claims
    return None
