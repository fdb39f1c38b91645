"""Slack-compatible slash commands: POST /api/v1/chat/slack/commands.

Requests are verified exactly as Slack signs them (`v0=` HMAC-SHA256 over `v0:<timestamp>:<body>`
with the app's signing secret, over the raw bytes: chat/signature.py) and refused outside a 5-minute
window, against onwatch's clock. Chat users are mapped to people by `people.<id>.chat_id` in the
config and act with that person's access level (directory/access.py).
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from onwatch.api.problems import Problem, problem, responses
from onwatch.chat import telegram, twilio, vonage, vonage_voice
from onwatch.chat.actions import ChatActions, Reply
from onwatch.chat.parse import parse
from onwatch.chat.signature import is_valid
from onwatch.config.cache import ConfigCache
from onwatch.db import inbound
from onwatch.db.uow import Database
from onwatch.directory.access import Caller, caller_in
from onwatch.kernel.bounds import nul_form_field
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Interface
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor

router = APIRouter(prefix="/api/v1/chat", tags=["chat"])


def _reply(reply: Reply) -> JSONResponse:
    return JSONResponse(
        {"response_type": "in_channel" if reply.in_channel else "ephemeral", "text": reply.text}
    )


def _caller(db: Database, cache: ConfigCache, chat_id: str) -> Caller | None:
    with db.read() as uow:
        people = cache.get(uow).config.people
        person = next((pid for pid, p in people.items() if p.chat_id and p.chat_id == chat_id), None)
        return caller_in(uow, cache, person) if person is not None else None


@router.post(
    "/slack/commands",
    response_class=JSONResponse,
    responses=responses(400, 401, 404, 413),
    openapi_extra={
        "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}
    },
)
async def slack_command(request: Request) -> JSONResponse:
    """Run `/incident …`, `/oncall [role]` or `/handoff [note]` as the mapped onwatch person."""
    secret: str = request.app.state.slack_signing_secret
    if not secret:
        return problem(404, "Not found", "chat is not configured: set ONWATCH_SLACK_SIGNING_SECRET")
    body = await request.body()
    clock: Clock = request.app.state.clock
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not is_valid(secret, body, timestamp, signature, clock.now().timestamp()):
        return problem(
            401,
            "Unauthorized",
            "invalid or stale Slack signature (X-Slack-Signature, X-Slack-Request-Timestamp)",
            errors=[{"field": "X-Slack-Signature", "message": "does not match the body and timestamp"}],
        )
    try:  # signed, so it is Slack's (or a holder of the secret): decode strictly
        text = body.decode("utf-8")
        form = {k: v[0] for k, v in parse_qs(text, errors="strict").items()}
    except UnicodeDecodeError:
        return problem(
            400,
            "Bad Request",
            "the body is not UTF-8 form data",
            errors=[{"field": "body", "message": "not UTF-8 (application/x-www-form-urlencoded)"}],
        )
    if field := nul_form_field(form):  # PostgreSQL cannot store one (the commands record text)
        return _bad_form(field, "contains a NUL character")
    command, user = form.get("command", ""), form.get("user_id", "")
    if not command or not user:
        missing = "command" if not command else "user_id"
        return problem(
            400,
            "Bad Request",
            "a slash command needs 'command' and 'user_id'",
            errors=[{"field": missing, "message": "required"}],
        )
    actions: ChatActions = request.app.state.chat
    # the commands are synchronous (database work): run them off the event loop
    return await run_in_threadpool(_run, actions, request, command, form.get("text", ""), user)


def _run(actions: ChatActions, request: Request, command: str, text: str, user: str) -> JSONResponse:
    who = _caller(request.app.state.db, request.app.state.config_cache, user)
    if who is None or who.person_id is None:
        return _reply(
            Reply(f"your chat user {user} is not linked to an onwatch person (set people.<id>.chat_id)")
        )
    try:
        return _reply(actions.run(parse(command, text), Actor.person(who.person_id, Interface.CHAT), who))
    except DomainError as exc:
        where = f"{exc.field}: " if exc.field else ""
        return _reply(Reply(f":warning: {where}{exc.message}"))


MATTERMOST_FIELDS = {
    "token": "the slash command's token (ONWATCH_MATTERMOST_COMMAND_TOKEN); Mattermost also sends it "
    "as 'Authorization: Token <token>', which is read when the form has none",
    "command": "the command typed, e.g. /incident",
    "text": "what followed it: the same commands as Slack's (declare, ack, resolve, oncall ...)",
    "user_id": "the Mattermost user: people.<id>.chat_id says which person",
    "trigger_id": "this invocation (acted on once)",
    "user_name": "the user's name (not trusted: user_id says who)",
    "channel_id": "the channel it was typed in",
    "channel_name": "the channel's name",
    "team_id": "the team",
    "team_domain": "the team's name",
    "response_url": "where Mattermost takes delayed answers (unused)",
}
MAX_TRIGGER = 200  # inbound_callbacks.ref
_MM_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {name: {"type": "string", "description": why} for name, why in MATTERMOST_FIELDS.items()},
    "required": ["token", "command", "user_id"],
}
_MM_FORM["properties"]["trigger_id"]["maxLength"] = MAX_TRIGGER
MATTERMOST_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "description": "A Mattermost slash command request (Mattermost posts the form on each invocation)",
        "required": True,
        "content": {"application/x-www-form-urlencoded": {"schema": _MM_FORM}},
    }
}
MATTERMOST_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Mattermost's command response: who sees it (response_type) and what it says",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["response_type", "text"],
                    "properties": {
                        "response_type": {"type": "string", "enum": ["in_channel", "ephemeral"]},
                        "text": {"type": "string"},
                    },
                }
            }
        },
    },
    400: {
        "model": Problem,
        "description": "command or user_id missing, a field with a NUL character, or a trigger_id over "
        f"{MAX_TRIGGER} characters",
    },
    401: {"model": Problem, "description": "the token is not the slash command's: nothing changed"},
    404: {"model": Problem, "description": "Mattermost is not configured (ONWATCH_MATTERMOST_COMMAND_TOKEN)"},
    **responses(413),
}


def _bad_form(field: str, message: str) -> JSONResponse:
    return problem(400, "Bad Request", f"{field}: {message}", errors=[{"field": field, "message": message}])


@router.post(
    "/mattermost/commands",
    response_class=JSONResponse,
    responses=MATTERMOST_ANSWERS,
    openapi_extra=MATTERMOST_OPENAPI,
)
async def mattermost_command(request: Request) -> JSONResponse:
    """The same commands from Mattermost: a slash command whose request carries its token
    (ONWATCH_MATTERMOST_COMMAND_TOKEN); its user_id maps to `people.<id>.chat_id` as Slack's does."""
    expected: str = request.app.state.settings.mattermost_command_token
    if not expected:
        return problem(404, "Not found", "Mattermost is not configured: set ONWATCH_MATTERMOST_COMMAND_TOKEN")
    try:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8")).items()}
    except UnicodeDecodeError:
        form = {}
    given = form.get("token", "") or request.headers.get("Authorization", "").removeprefix("Token ")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return problem(
            401,
            "Unauthorized",
            "not from the Mattermost command: the token does not match",
            errors=[{"field": "token", "message": "does not match"}],
        )
    command, user = form.get("command", ""), form.get("user_id", "")
    if not command or not user:
        return _bad_form("command" if not command else "user_id", "required")
    # PostgreSQL cannot store a NUL: refuse it here as the JSON routes do (api/limits.py)
    if field := nul_form_field(form):
        return _bad_form(field, "contains a NUL character")
    if len(form.get("trigger_id", "")) > MAX_TRIGGER:
        return _bad_form("trigger_id", f"at most {MAX_TRIGGER} characters")
    trigger = form.get("trigger_id", "")
    if trigger:  # each invocation has its own: a replayed request changes nothing
        db: Database = request.app.state.db
        clock: Clock = request.app.state.clock
        with db.write() as uow:
            if not inbound.first_time(uow.conn, "mattermost", trigger, clock.now()):
                return _reply(Reply("already done"))
    actions: ChatActions = request.app.state.chat
    return await run_in_threadpool(_run, actions, request, command, form.get("text", ""), user)


# the other chat tools and the services that answer pages, under the same prefix
router.include_router(telegram.router)
router.include_router(twilio.router)
router.include_router(vonage.router)
router.include_router(vonage_voice.router)
