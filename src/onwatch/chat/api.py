"""Slack-compatible slash commands: POST /api/v1/chat/slack/commands.

Requests are verified exactly as Slack signs them (`v0=` HMAC-SHA256 over `v0:<timestamp>:<body>`
with the app's signing secret, over the raw bytes: chat/signature.py) and refused outside a 5-minute
window, against onwatch's clock. Chat users are mapped to people by `people.<id>.chat_id` in the
config and act with that person's access level (directory/access.py).
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from onwatch.api.problems import problem, responses
from onwatch.chat import telegram, twilio, vonage
from onwatch.chat.actions import ChatActions, Reply
from onwatch.chat.parse import parse
from onwatch.chat.signature import is_valid
from onwatch.config.cache import ConfigCache
from onwatch.db import inbound
from onwatch.db.uow import Database
from onwatch.directory.access import Caller, caller_in
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


@router.post("/mattermost/commands", include_in_schema=False)
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
        missing = "command" if not command else "user_id"
        return problem(
            400, "Bad Request", "a slash command needs 'command' and 'user_id'",
            errors=[{"field": missing, "message": "required"}],
        )  # fmt: skip
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
