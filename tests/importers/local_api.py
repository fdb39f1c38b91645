"""What the local API servers of the importer tests share: a threaded HTTP/1.1 server on a free
127.0.0.1 port, JSON answers, requests recorded, and 429 with Retry-After on demand."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

Obj = dict[str, Any]
Answer = tuple[int, Obj, dict[str, str]]


@dataclass
class Throttle:
    # path prefix -> how many requests to refuse with 429 before answering
    rate_limited: dict[str, int] = field(default_factory=dict)
    retry_after: str = "7"
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse(self, path: str) -> bool:
        with self.lock:
            self.requests.append(path)
            for prefix, left in self.rate_limited.items():
                if path.startswith(prefix) and left > 0:
                    self.rate_limited[prefix] = left - 1
                    return True
        return False


# (path, query, headers, base URL) -> (status, JSON body, extra headers)
Route = Callable[[str, dict[str, str], Any, str], Answer]


@contextmanager
def serve(
    route: Route, throttle: Throttle, too_many: Obj, too_many_headers: dict[str, str] | None = None
) -> Iterator[str]:
    """Serve `route` on a free local port; yields the base URL. A throttled path answers 429 with
    `too_many` as its body and the throttle's Retry-After."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs
        disable_nagle_algorithm = True

        def log_message(self, *_: object) -> None:
            pass

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if throttle.refuse(url.path):
                status, body = 429, too_many
                headers = {**(too_many_headers or {}), "Retry-After": throttle.retry_after}
            else:
                status, body, headers = route(url.path, query, self.headers, base)
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
