"""Refuse oversized request bodies with 413 before reading them whole, and JSON bodies that nest
too deeply or carry a NUL character (which PostgreSQL cannot store) with 400 naming the field;
a NUL in the query string or path is refused the same way."""

from __future__ import annotations

from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onwatch.api.problems import PROBLEM_JSON, problem_document
from onwatch.kernel.bounds import NUL, NUL_ESCAPE, NUL_MESSAGE, TOO_DEEP, nul_fields, raw_too_deep, too_deep


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Pure ASGI middleware: checks Content-Length up front and counts streamed (chunked) bodies."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if declared_too_large(scope, self.max_bytes):
            await self._reject(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        await _send_problem(send, 413, too_large_body(self.max_bytes), close=True)


def declared_too_large(scope: Scope, max_bytes: int) -> bool:
    """Does the request's Content-Length say more than `max_bytes`? (Checked before reading.)"""
    return any(
        name == b"content-length" and value.isdigit() and int(value) > max_bytes
        for name, value in scope.get("headers", [])
    )


def too_large_body(max_bytes: int) -> bytes:
    """The 413 problem document (alerts.routes answers the ingest routes with the same)."""
    return orjson.dumps(
        problem_document(413, "Payload too large", f"request body is larger than {max_bytes} bytes")
    )


class JsonDepthLimit:
    """Pure ASGI middleware: a JSON body (declared as JSON, or undeclared) that nests deeper than
    kernel.bounds.MAX_JSON_DEPTH is answered 400 naming the field before any route parses it (the
    standard library's parser recurses; orjson cannot write what it read). Form posts and other
    declared types pass untouched; the body is read whole, within BodySizeLimit, and replayed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (errors := _nul_outside_body(scope)):
            await _send_problem(send, 400, _invalid(errors))
            return
        if scope["type"] != "http" or not _may_be_json(scope):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        if raw_too_deep(raw):
            await _send_problem(send, 400, deep_json_problem(raw))
            return
        if NUL_ESCAPE in raw and (errors := _nul_in_json(raw)):
            await _send_problem(send, 400, _invalid(errors))
            return
        replay = iter(messages)

        async def replayed() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)


def _may_be_json(scope: Scope) -> bool:
    if scope.get("method") not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True


def _nul_outside_body(scope: Scope) -> list[tuple[str, str]]:
    errors = [("path", NUL_MESSAGE)] if NUL in scope.get("path", "") else []
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if NUL in name or NUL in value:
                errors.append(("query." + name.replace(NUL, "\\u0000"), NUL_MESSAGE))
    return errors


def _nul_in_json(raw: bytes) -> list[tuple[str, str]]:
    try:
        return nul_fields(orjson.loads(raw))
    except orjson.JSONDecodeError:  # the route answers what is wrong with it
        return []


def _invalid(errors: list[tuple[str, str]]) -> bytes:
    listed = [{"field": field, "message": message} for field, message in errors]
    detail = "; ".join(f"{field}: {message}" for field, message in errors)
    return orjson.dumps(problem_document(400, "Invalid request", detail, listed))


def deep_json_problem(raw: bytes) -> bytes:
    """The 400 problem document for a body that nests too deeply, naming the field that does."""
    try:
        field = too_deep(orjson.loads(raw)) or "body"
    except orjson.JSONDecodeError:  # deeper than orjson reads, or not JSON past the nesting
        field = "body"
    errors = [{"field": field, "message": TOO_DEEP}]
    return orjson.dumps(problem_document(400, "Invalid request", f"{field}: {TOO_DEEP}", errors))


async def _send_problem(send: Send, status: int, body: bytes, *, close: bool = False) -> None:
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
