"""Telegram button presses: POST /api/v1/chat/telegram (the bot's webhook, set with setWebhook's
`secret_token` = ONWATCH_TELEGRAM_WEBHOOK_SECRET).

Telegram sends that secret in X-Telegram-Bot-Api-Secret-Token with every update: anything else is
401 and changes nothing. The presser (`callback_query.from.id`) must be the person whose telegram
contact method is that chat; the update's `update_id` is acted on once. The answer is Telegram's
"reply with a method" form (answerCallbackQuery), so the button stops spinning with a word.

The route is in the OpenAPI document (the update's fields onwatch reads and the secret header)
without a token scheme: the secret is its credential. A body that is not such an update is 400.
"""

from __future__ import annotations

import hmac
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from onwatch.api.problems import Problem, problem, responses
from onwatch.chat.callbacks import act_once, person_where
from onwatch.config.contacts import ContactType
from onwatch.kernel.enums import Interface
from onwatch.notify.telegram import parse_callback

router = APIRouter(tags=["chat"])

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_ID = 2**63 - 1  # Telegram's ids are 64-bit integers

_ID = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
UPDATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["update_id"],
    "properties": {
        "update_id": {**_ID, "description": "the update (acted on once)"},
        "callback_query": {
            "type": "object",
            "description": "a press of one of the page's buttons (other updates change nothing)",
            "required": ["id", "from"],
            "properties": {
                "id": {"type": "string", "description": "answered with answerCallbackQuery"},
                "from": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": {**_ID, "description": "the presser: a telegram contact method's chat"}
                    },
                },
                "data": {
                    "type": "string",
                    "description": "the button: 'ack:12' or 'res:12' (alert group 12)",
                },
            },
        },
    },
}
OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "name": SECRET_HEADER,
            "in": "header",
            "required": True,
            "description": "the secret_token given to setWebhook (ONWATCH_TELEGRAM_WEBHOOK_SECRET)",
            "schema": {"type": "string"},
        }
    ],
    "requestBody": {
        "description": "A Telegram Bot API Update",
        "required": True,
        "content": {"application/json": {"schema": UPDATE_SCHEMA}},
    },
}
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "answerCallbackQuery (the words the presser sees), or {} for an update without one",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "method": {"type": "string", "enum": ["answerCallbackQuery"]},
                        "callback_query_id": {"type": "string"},
                        "text": {"type": "string"},
                    },
                }
            }
        },
    },
    **responses(400, 413),
    401: {"model": Problem, "description": f"{SECRET_HEADER} is not the webhook's secret: nothing changed"},
    404: {"model": Problem, "description": "Telegram is not configured (ONWATCH_TELEGRAM_WEBHOOK_SECRET)"},
}


def _id(value: object) -> int | None:
    """An id as JSON Schema's integer reads it (24988292.0 is one too), within Telegram's range."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID:
        return value
    return None


Press = tuple[int, int, dict[str, Any]]  # update_id, the presser's id, the callback_query


def _read(update: object) -> Press | str | None:
    """The press an Update carries, None for an update without one, or the field at fault if
    `update` is not an Update as UPDATE_SCHEMA documents it."""
    update_id = _id(update.get("update_id")) if isinstance(update, dict) else None
    if not isinstance(update, dict) or update_id is None:
        return "update_id"
    if "callback_query" not in update:
        return None
    query = update["callback_query"]
    if not isinstance(query, dict):
        return "callback_query"
    if not isinstance(query.get("id"), str):
        return "callback_query.id"
    sender = query.get("from")
    presser = _id(sender.get("id")) if isinstance(sender, dict) else None
    if presser is None:
        return "callback_query.from.id"
    if not isinstance(query.get("data", ""), str):
        return "callback_query.data"
    return update_id, presser, query


def _refused() -> JSONResponse:
    return problem(
        401,
        "Unauthorized",
        "not from Telegram: the secret token does not match",
        errors=[{"field": SECRET_HEADER, "message": "does not match"}],
    )


@router.post("/telegram", response_class=JSONResponse, responses=ANSWERS, openapi_extra=OPENAPI)
async def telegram_update(request: Request) -> JSONResponse:
    """A Telegram update: a button press acknowledges or resolves as the presser's person."""
    secret: str = request.app.state.settings.telegram_webhook_secret
    if not secret:
        return problem(404, "Not found", "Telegram is not configured: set ONWATCH_TELEGRAM_WEBHOOK_SECRET")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return _refused()
    try:
        update = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        update = None
    press = _read(update)
    if isinstance(press, str):
        return problem(
            400,
            "Bad Request",
            "not a Telegram update",
            errors=[{"field": press, "message": "missing or not as the Bot API sends it"}],
        )
    if press is None:
        return JSONResponse({})  # other updates (messages to the bot): nothing to do
    return await run_in_threadpool(_press, request, press)


def _press(request: Request, press: Press) -> JSONResponse:
    update_id, presser, query = press
    state = request.app.state
    sender = str(presser)
    parsed = parse_callback(str(query.get("data", "")))
    person = person_where(
        state.db,
        state.config_cache,
        lambda p: any(m.type is ContactType.TELEGRAM and m.chat == sender for m in p.contact_methods),
    )
    if parsed is None:
        text = "Unknown button"
    elif person is None:
        text = f"Telegram user {sender} is not linked to an onwatch person (a telegram contact method)"
    else:
        action, group_id = parsed
        text = act_once(
            state.groups,
            state.clock,
            "telegram",
            str(update_id),
            person=person,
            action=action,
            group_id=group_id,
            interface=Interface.CHAT,
        )
    return JSONResponse({"method": "answerCallbackQuery", "callback_query_id": query["id"], "text": text})
