"""Calls through Vonage's Voice API, answered by onwatch's webhooks (each signed by Vonage: a JWT in
`Authorization: Bearer`, HS256 with the signature secret of the Vonage provider whose API key its
`api_key` claim names, sent within 5 minutes of onwatch's clock, whose `payload_hash` is the body's
SHA-256; 401 otherwise, nothing changed):

    POST /api/v1/chat/vonage/voice/<token>        the call answered (answer_url): the NCCO says the
                                                  page, then waits for one key (input, dtmf)
    POST /api/v1/chat/vonage/voice/<token>/key    the key pressed (the input's eventUrl): 1
                                                  acknowledges as the person the signed token names

Every answer is an NCCO (a JSON list of actions). A key press is acted on once per call (`uuid`).
The routes are in the OpenAPI document (their bodies) without a token scheme: the JWT Vonage signs
is their credential.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from onwatch.api.problems import Problem, problem, responses
from onwatch.chat.callbacks import acknowledge_claim, act_once, call_words
from onwatch.kernel.enums import Interface
from onwatch.notify.phone.vonage import VOICE_PATH
from onwatch.notify.phone.vonage_voice import page_ncco, say, signed_claims
from onwatch.settings import Settings

router = APIRouter(prefix="/vonage/voice", tags=["chat"])

MAX_SKEW_SECONDS = 300  # a signed webhook older (or newer) than this is a replay or a wrong clock
MAX_UUID = 200  # inbound_callbacks.ref

_CALL = {"type": "string", "maxLength": MAX_UUID, "description": "the call (Vonage's uuid)"}
ANSWER_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["uuid"],
    "properties": {
        "uuid": _CALL,
        "conversation_uuid": {"type": "string"},
        "from": {"type": "string", "description": "the caller id (onwatch's number)"},
        "to": {"type": "string", "description": "the number called"},
    },
}
KEY_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["uuid", "dtmf"],
    "properties": {
        "uuid": {**_CALL, "description": "the call (acted on once)"},
        "conversation_uuid": {"type": "string"},
        "dtmf": {
            "type": "object",
            "properties": {
                "digits": {"type": "string", "description": "the key pressed: 1 acknowledges"},
                "timed_out": {"type": "boolean"},
            },
        },
        "from": {"type": "string"},
        "to": {"type": "string"},
        "timestamp": {"type": "string"},
    },
}
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An NCCO: what the call says and does next",
        "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}},
    },
    **responses(400, 413),
    401: {
        "model": Problem,
        "description": "Authorization is not a JWT Vonage signed (HS256, the signature secret of the "
        "provider its api_key claim names) within 5 minutes, over this body (payload_hash): nothing changed",
    },
}


def _body(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "description": description,
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }


def _ncco(actions: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(actions)


async def _verified(request: Request) -> dict[str, Any] | JSONResponse:
    """The JSON Vonage posted, if its JWT holds and it names the call; else the 4xx to answer."""
    settings: Settings = request.app.state.settings
    secrets: dict[str, list[str]] = defaultdict(list)
    for p in settings.phone_providers:
        if p.kind == "vonage" and p.signature_secret:
            secrets[p.account].append(p.signature_secret)
    body = await request.body()
    now = request.app.state.clock.now().timestamp()
    header = request.headers.get("Authorization", "")
    if signed_claims(header, body, secrets, now, MAX_SKEW_SECONDS) is None:
        return problem(
            401,
            "Unauthorized",
            "not from Vonage: Authorization is not a JWT signed for this body with a signature secret",
            errors=[{"field": "Authorization", "message": "does not match"}],
        )
    try:
        loaded = orjson.loads(body)
    except orjson.JSONDecodeError:
        loaded = None
    event: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
    call = event.get("uuid")
    if not isinstance(call, str) or not call or len(call) > MAX_UUID:
        return problem(
            400,
            "Bad Request",
            "a Voice API webhook names its call",
            errors=[{"field": "uuid", "message": f"required, at most {MAX_UUID} characters"}],
        )
    return event


@router.post("/{token}", response_class=JSONResponse, responses=ANSWERS, openapi_extra=_body(
    "A page's call answered (the call's answer_url); `token` is the page's signed link", ANSWER_BODY
))  # fmt: skip
async def voice_answer(token: str, request: Request) -> JSONResponse:
    """The call answered: say the page, then wait for one key."""
    event = await _verified(request)
    if isinstance(event, JSONResponse):
        return event
    groups = request.app.state.groups
    claim = await run_in_threadpool(acknowledge_claim, groups, token)
    if claim is None:
        return _ncco(say("This page has expired. Goodbye."))
    said = await run_in_threadpool(call_words, groups, claim.group_id)
    settings: Settings = request.app.state.settings
    return _ncco(page_ncco(said, f"{settings.public_url.rstrip('/')}{VOICE_PATH}{token}/key"))


@router.post("/{token}/key", response_class=JSONResponse, responses=ANSWERS, openapi_extra=_body(
    "The key pressed during a page's call (the input action's eventUrl)", KEY_BODY
))  # fmt: skip
async def voice_key(token: str, request: Request) -> JSONResponse:
    """The key pressed: 1 acknowledges as the person the page's token names, once per call."""
    event = await _verified(request)
    if isinstance(event, JSONResponse):
        return event
    dtmf = event.get("dtmf")
    if not isinstance(dtmf, dict) or not isinstance(dtmf.get("digits", ""), str):
        return problem(
            400,
            "Bad Request",
            "a key press carries its dtmf",
            errors=[{"field": "dtmf", "message": "an object whose digits are a string"}],
        )
    state = request.app.state
    claim = await run_in_threadpool(acknowledge_claim, state.groups, token)
    if claim is None:
        return _ncco(say("This page has expired. Goodbye."))
    if dtmf.get("digits") != "1":
        return _ncco(say("Not acknowledged. The page stays open. Goodbye."))
    text = await run_in_threadpool(
        act_once,
        state.groups,
        state.clock,
        "vonage-call",
        event["uuid"],
        person=claim.person,
        action="acknowledge",
        group_id=claim.group_id,
        interface=Interface.PHONE,
    )
    return _ncco(say(f"{text}. Goodbye."))
