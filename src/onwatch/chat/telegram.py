"""Telegram button presses: POST /api/v1/chat/telegram (the bot's webhook, set with setWebhook's
`secret_token` = ONWATCH_TELEGRAM_WEBHOOK_SECRET).

Telegram sends that secret in X-Telegram-Bot-Api-Secret-Token with every update: anything else is
401 and changes nothing. The presser (`callback_query.from.id`) must be the person whose telegram
contact method is that chat; the update's `update_id` is acted on once. The answer is Telegram's
"reply with a method" form (answerCallbackQuery), so the button stops spinning with a word.
"""

from __future__ import annotations

import hmac
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from onwatch.api.problems import problem
from onwatch.chat.callbacks import act_once, person_where
from onwatch.config.contacts import ContactType
from onwatch.kernel.enums import Interface
from onwatch.notify.telegram import parse_callback

router = APIRouter(include_in_schema=False)


def _refused() -> JSONResponse:
    return problem(
        401,
        "Unauthorized",
        "not from Telegram: the secret token does not match",
        errors=[{"field": "X-Telegram-Bot-Api-Secret-Token", "message": "does not match"}],
    )


@router.post("/telegram")
async def telegram_update(request: Request) -> JSONResponse:
    secret: str = request.app.state.settings.telegram_webhook_secret
    if not secret:
        return problem(404, "Not found", "Telegram is not configured: set ONWATCH_TELEGRAM_WEBHOOK_SECRET")
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return _refused()
    try:
        update = orjson.loads(await request.body())
        update_id = int(update["update_id"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return problem(
            400,
            "Bad Request",
            "not a Telegram update",
            errors=[{"field": "update_id", "message": "required"}],
        )
    query = update.get("callback_query")
    if not isinstance(query, dict):
        return JSONResponse({})  # other updates (messages to the bot): nothing to do
    return await run_in_threadpool(_press, request, update_id, query)


def _press(request: Request, update_id: int, query: dict[str, Any]) -> JSONResponse:
    state = request.app.state
    sender = str((query.get("from") or {}).get("id", ""))
    parsed = parse_callback(str(query.get("data", "")))
    person = person_where(
        state.db,
        state.config_cache,
        lambda p: any(m.type is ContactType.TELEGRAM and m.chat == sender for m in p.contact_methods),
    )
    if parsed is None:
        text = "Unknown button"
    elif person is None or not sender:
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
    return JSONResponse(
        {"method": "answerCallbackQuery", "callback_query_id": str(query.get("id", "")), "text": text}
    )
