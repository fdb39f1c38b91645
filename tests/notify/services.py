"""A loopback stand-in for the services onwatch delivers to (ntfy, Telegram, Pushover, Twilio, ...):
it records each request exactly as received and answers what the test's routes say, in the shape the
service documents.

    with FakeService() as api:
        api.route("POST", "/1/messages.json", lambda req: (200, {"status": 1, "receipt": "r1"}))
        ... onwatch sends ...
        [request] = api.requests_to("/1/messages.json")
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson

from tests.receivers import LOOPBACK, free_port


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # without the query
    query: dict[str, str]
    headers: httpx.Headers
    body: bytes
    received_at: float

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


Answer = tuple[int, Any]  # status, and a JSON-able body (bytes/str are sent as they are)
Route = Callable[[Call], Answer]


class FakeService:
    def __init__(self) -> None:
        self.port = free_port()
        self._routes: list[tuple[str, str, Route]] = []
        self._calls: list[Call] = []
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def route(self, method: str, path_prefix: str, answer: Route | Answer) -> None:
        """Answer requests whose path starts with `path_prefix` (the latest matching route wins)."""
        handler: Route = answer if callable(answer) else (lambda _call, fixed=answer: fixed)
        self._routes.insert(0, (method, path_prefix, handler))

    @property
    def calls(self) -> list[Call]:
        with self._changed:
            return list(self._calls)

    def requests_to(self, path_prefix: str, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.path.startswith(path_prefix) and method in (None, c.method)]

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 5.0) -> list[Call]:
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(list(self._calls)), timeout=timeout):
                raise AssertionError(f"fake service: condition not met; received {len(self._calls)}")
            return list(self._calls)

    def __enter__(self) -> Self:
        server = ThreadingHTTPServer((LOOPBACK, self.port), self._handler())
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _answer(self, call: Call) -> Answer:
        for method, prefix, handler in self._routes:
            if method == call.method and call.path.startswith(prefix):
                return handler(call)
        return 404, {"error": f"no route for {call.method} {call.path}"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def do_PUT(self) -> None:
                self._serve()

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                call = Call(
                    method=self.command,
                    path=parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    headers=httpx.Headers(list(self.headers.items())),
                    body=body,
                    received_at=time.time(),
                )
                with service._changed:
                    service._calls.append(call)
                    service._changed.notify_all()
                status, answer = service._answer(call)
                if isinstance(answer, str):
                    reply, kind = answer.encode(), "text/plain"
                elif isinstance(answer, bytes):
                    reply, kind = answer, "application/octet-stream"
                else:
                    reply, kind = orjson.dumps(answer), "application/json"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
