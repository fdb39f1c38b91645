"""SMS replies through Vonage's inbound SMS webhook, as Twilio's (chat/twilio.py) but signed Vonage's way:

    GET or POST /api/v1/chat/vonage/sms    msisdn (the sender, digits without "+"), to, messageId,
                                           text, type, keyword, message-timestamp, timestamp, sig
                                           (query string, form or JSON: the webhook's chosen method)

"12" or "ack 12" acknowledges alert group 12, "R12" resolves it, as the person whose sms contact
method has the sender's number, and only if that group paged them. Only a request whose `sig` one
of the Vonage providers' signature secrets makes (notify/phone/vonage.py), with a `timestamp`
within 5 minutes of onwatch's clock, is read: anything else is 403 and changes nothing. A message
(messageId) is acted on once. Vonage only needs a 200; the answer's `text` says what was done (for
the logs of the Vonage dashboard).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from onwatch.api.problems import problem
from onwatch.chat.callbacks import answer_sms
from onwatch.kernel.clock import Clock
from onwatch.notify.phone.vonage import SignatureMethod, is_signed
from onwatch.settings import Settings

router = APIRouter(prefix="/vonage", include_in_schema=False)

# Vonage's own window for a signed request's timestamp; a replay later than this is refused
MAX_SKEW_SECONDS = 300
MAX_MESSAGE_ID = 200  # inbound_callbacks.ref


async def _params(request: Request) -> dict[str, str]:
    """The webhook's parameters, however the account sends them (GET, POST form, POST JSON)."""
    params = {k: v for k, v in request.query_params.items()}
    if request.method != "POST":
        return params
    body = await request.body()
    try:
        if request.headers.get("content-type", "").startswith("application/json"):
            loaded = json.loads(body)
            if isinstance(loaded, dict):
                params.update({str(k): v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()})
        else:
            params.update({k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
    except (UnicodeDecodeError, ValueError):
        pass  # unsigned for all we know: the signature check refuses it
    return params


def _refused(detail: str, field: str) -> JSONResponse:
    return problem(403, "Forbidden", detail, errors=[{"field": field, "message": detail}])


def _verify(settings: Settings, clock: Clock, params: dict[str, str]) -> JSONResponse | None:
    secrets = [
        (p.signature_secret, SignatureMethod(p.signature_method))
        for p in settings.phone_providers
        if p.kind == "vonage" and p.signature_secret
    ]
    if not secrets:
        return problem(
            404,
            "Not found",
            "Vonage replies are not configured: give a vonage provider of ONWATCH_PHONE_PROVIDERS "
            "its signature_secret",
        )
    if not any(is_signed(secret, method, params) for secret, method in secrets):
        return _refused("does not sign these parameters with a Vonage signature secret", "sig")
    try:
        sent_at = float(params.get("timestamp", ""))
    except ValueError:
        return _refused("a signed request needs its Unix timestamp", "timestamp")
    if abs(clock.now().timestamp() - sent_at) > MAX_SKEW_SECONDS:
        return _refused("more than 5 minutes from now: a replay or a wrong clock", "timestamp")
    return None


@router.api_route("/sms", methods=["GET", "POST"])
async def sms_reply(request: Request) -> JSONResponse:
    state = request.app.state
    params = await _params(request)
    refused = _verify(state.settings, state.clock, params)
    if refused is not None:
        return refused
    message_id = params.get("messageId", "")
    if not message_id or len(message_id) > MAX_MESSAGE_ID or "\x00" in message_id:
        return problem(
            400,
            "Bad Request",
            "an inbound SMS needs its messageId",
            errors=[{"field": "messageId", "message": f"required, at most {MAX_MESSAGE_ID} characters"}],
        )
    return await run_in_threadpool(_sms, request, params, message_id)


def _sms(request: Request, params: dict[str, str], message_id: str) -> JSONResponse:
    state = request.app.state
    sender = "+" + params.get("msisdn", "").lstrip("+")
    text = answer_sms(
        state.groups,
        state.clock,
        state.config_cache,
        "vonage-sms",
        message_id,
        sender,
        params.get("text", ""),
    )
    return JSONResponse({"text": text})
