"""Answers from phones, through Twilio's webhooks (each verified by X-Twilio-Signature with the auth
token of the Twilio provider whose AccountSid it names; 401 otherwise, nothing changed):

    POST /api/v1/chat/twilio/sms                  an SMS reply: "12" or "ack 12" acknowledges alert
                                                  group 12, "R12" resolves it; the sender's number
                                                  says who (their sms contact method)
    POST /api/v1/chat/twilio/voice/<token>        a page's call asks what to say: the page, then
                                                  "press 1 to acknowledge" (<Gather>)
    POST /api/v1/chat/twilio/voice/<token>/key    the key pressed: 1 acknowledges as the person
                                                  the signed token names

Every answer is TwiML. A message (MessageSid) or key press (CallSid) is acted on once. The routes
are in the OpenAPI document (their form bodies and the signature header) without a token scheme:
the signature is their credential.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from onwatch.api.problems import Problem, problem, responses
from onwatch.chat.callbacks import acknowledge_claim, act_once, answer_sms, call_words
from onwatch.kernel.bounds import nul_form_field
from onwatch.kernel.enums import Interface
from onwatch.notify.phone.twilio import is_signed
from onwatch.paging.links import LinkClaim
from onwatch.settings import Settings

router = APIRouter(prefix="/twilio", tags=["chat"])

TWIML = "text/xml"


class TwiML(Response):
    media_type = TWIML


def twiml(inner: str) -> Response:
    return TwiML(f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>')


def _form(description: str, fields: dict[str, str], required: list[str]) -> dict[str, Any]:
    """`openapi_extra` of a Twilio webhook: the form Twilio posts and the header that signs it."""
    return {
        "parameters": [
            {
                "name": "X-Twilio-Signature",
                "in": "header",
                "required": True,
                "description": "base64 HMAC-SHA1, with the provider's auth token, of the URL Twilio "
                "called (ONWATCH_PUBLIC_URL + path) followed by each form field's name and value "
                "sorted by name",
                "schema": {"type": "string"},
            }
        ],
        "requestBody": {
            "description": description,
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {k: {"type": "string", "description": v} for k, v in fields.items()},
                        "required": required,
                    }
                }
            },
        },
    }


ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "TwiML (text/xml): what Twilio says or sends back"},
    400: {"model": Problem, "description": "A form field with a NUL character (the field named)"},
    **responses(413),
    401: {
        "model": Problem,
        "description": "X-Twilio-Signature does not sign this URL and form with the auth token of "
        "the Twilio provider whose AccountSid the form names: nothing changed",
    },
}
ACCOUNT = {"AccountSid": "the Twilio account (picks the provider whose auth token verifies)"}


async def _verified(request: Request) -> dict[str, str] | JSONResponse:
    """The form Twilio posted, if its signature holds; else the 401 to answer."""
    settings: Settings = request.app.state.settings
    try:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode(), keep_blank_values=True).items()}
    except UnicodeDecodeError:
        form = {}
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += f"?{request.url.query}"
    header = request.headers.get("X-Twilio-Signature", "")
    tokens = [
        p.secret
        for p in settings.phone_providers
        if p.kind == "twilio" and p.account == form.get("AccountSid")
    ]
    if not any(is_signed(token, url, form, header) for token in tokens):
        return problem(
            401,
            "Unauthorized",
            "not from Twilio: X-Twilio-Signature does not sign this URL and form",
            errors=[{"field": "X-Twilio-Signature", "message": "does not match"}],
        )
    # PostgreSQL cannot store a NUL (the message and call ids are recorded): refuse it, as the JSON
    # routes do (api/limits.py)
    if field := nul_form_field(form):
        return problem(
            400,
            "Bad Request",
            "a form field contains a NUL character",
            errors=[{"field": field, "message": "contains a NUL character"}],
        )
    return form


@router.post(
    "/sms",
    response_class=TwiML,
    responses=ANSWERS,
    openapi_extra=_form(
        "An SMS to the provider's number (Twilio's Messaging webhook)",
        {
            **ACCOUNT,
            "MessageSid": "the message (acted on once)",
            "From": "the sender's number (E.164): the person whose sms contact method it is",
            "Body": "'12' or 'ack 12' acknowledges alert group 12, 'R12' resolves it",
        },
        ["AccountSid", "MessageSid", "From", "Body"],
    ),
)
async def sms_reply(request: Request) -> Response:
    form = await _verified(request)
    if isinstance(form, JSONResponse):
        return form
    return await run_in_threadpool(_sms, request, form)


def _sms(request: Request, form: dict[str, str]) -> Response:
    state = request.app.state
    text = answer_sms(
        state.groups,
        state.clock,
        state.config_cache,
        "twilio-sms",
        form.get("MessageSid", ""),
        form.get("From", ""),
        form.get("Body", ""),
    )
    return twiml(f"<Message>{escape(text)}</Message>")


def _claim(request: Request, token: str) -> LinkClaim | None:
    return acknowledge_claim(request.app.state.groups, token)


@router.post(
    "/voice/{token}",
    response_class=TwiML,
    responses=ANSWERS,
    openapi_extra=_form(
        "A page's call answered (Twilio's Voice webhook); `token` is the page's signed link",
        {**ACCOUNT, "CallSid": "the call"},
        ["AccountSid", "CallSid"],
    ),
)
async def voice_answer(token: str, request: Request) -> Response:
    form = await _verified(request)
    if isinstance(form, JSONResponse):
        return form
    claim = _claim(request, token)
    if claim is None:
        return twiml("<Say>This page has expired. Goodbye.</Say><Hangup/>")
    said = escape(await run_in_threadpool(call_words, request.app.state.groups, claim.group_id))
    settings: Settings = request.app.state.settings
    action = f"{settings.public_url.rstrip('/')}/api/v1/chat/twilio/voice/{token}/key"
    return twiml(
        f'<Gather numDigits="1" action="{escape(action)}" method="POST" timeout="10">'
        f"<Say>{said} Press 1 to acknowledge.</Say></Gather>"
        "<Say>No key pressed. The page stays open. Goodbye.</Say>"
    )


@router.post(
    "/voice/{token}/key",
    response_class=TwiML,
    responses=ANSWERS,
    openapi_extra=_form(
        "The key pressed during a page's call (<Gather>'s action)",
        {**ACCOUNT, "CallSid": "the call (acted on once)", "Digits": "1 acknowledges"},
        ["AccountSid", "CallSid", "Digits"],
    ),
)
async def voice_key(token: str, request: Request) -> Response:
    form = await _verified(request)
    if isinstance(form, JSONResponse):
        return form
    claim = _claim(request, token)
    if claim is None:
        return twiml("<Say>This page has expired. Goodbye.</Say><Hangup/>")
    if form.get("Digits") != "1":
        return twiml("<Say>Not acknowledged. Goodbye.</Say><Hangup/>")
    state = request.app.state
    text = await run_in_threadpool(
        act_once,
        state.groups,
        state.clock,
        "twilio-call",
        form.get("CallSid", ""),
        person=claim.person,
        action="acknowledge",
        group_id=claim.group_id,
        interface=Interface.PHONE,
    )
    return twiml(f"<Say>{escape(text)}. Goodbye.</Say><Hangup/>")
