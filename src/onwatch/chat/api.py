"""Slack-compatible slash commands: POST /api/v1/chat/slack/commands.

Requests are verified exactly as Slack signs them (`v0=` HMAC-SHA256 over `v0:<timestamp>:<body>`
with the app's signing secret) and refused outside a 5-minute window, against onwatch's clock.
Chat users are mapped to people by `people.<id>.chat_id` in the config.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from slack_sdk.signature import Clock as SlackClock
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool

from onwatch.chat.actions import ChatActions, Reply
from onwatch.chat.parse import parse
from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Interface
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor

router = APIRouter(prefix="/api/v1/chat", tags=["chat"])


class _OnwatchClock(SlackClock):
    """slack_sdk checks the timestamp window against this clock: onwatch's (fake in tests)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def now(self) -> float:
        return self.clock.now().timestamp()


def _reply(reply: Reply) -> JSONResponse:
    return JSONResponse(
        {"response_type": "in_channel" if reply.in_channel else "ephemeral", "text": reply.text}
    )


def _person(db: Database, cache: ConfigCache, chat_id: str) -> str | None:
    with db.read() as uow:
        people = cache.get(uow).config.people
    return next((pid for pid, p in people.items() if p.chat_id and p.chat_id == chat_id), None)


@router.post("/slack/commands", response_class=JSONResponse)
async def slack_command(request: Request) -> JSONResponse:
    """Run `/incident …`, `/oncall [role]` or `/handoff [note]` as the mapped onwatch person."""
    secret: str = request.app.state.slack_signing_secret
    if not secret:
        return JSONResponse(
            {"detail": "chat is not configured: set ONWATCH_SLACK_SIGNING_SECRET"}, status_code=404
        )
    body = await request.body()
    verifier = SignatureVerifier(secret, clock=_OnwatchClock(request.app.state.clock))
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or not verifier.is_valid(body, timestamp, signature):
        return JSONResponse(
            {"detail": "invalid or stale Slack signature (X-Slack-Signature, X-Slack-Request-Timestamp)"},
            status_code=401,
        )
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    command, user = form.get("command", ""), form.get("user_id", "")
    if not command or not user:
        return JSONResponse({"detail": "a slash command needs 'command' and 'user_id'"}, status_code=400)
    actions: ChatActions = request.app.state.chat
    # the commands are synchronous (database work): run them off the event loop
    return await run_in_threadpool(_run, actions, request, command, form.get("text", ""), user)


def _run(actions: ChatActions, request: Request, command: str, text: str, user: str) -> JSONResponse:
    person = _person(request.app.state.db, request.app.state.config_cache, user)
    if person is None:
        return _reply(
            Reply(f"your chat user {user} is not linked to an onwatch person (set people.<id>.chat_id)")
        )
    try:
        return _reply(actions.run(parse(command, text), Actor.person(person, Interface.CHAT)))
    except DomainError as exc:
        where = f"{exc.field}: " if exc.field else ""
        return _reply(Reply(f":warning: {where}{exc.message}"))
