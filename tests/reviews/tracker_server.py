"""A local server speaking the GitHub and GitLab REST shapes of "create an issue", for the issue
creator's tests: it checks the path and the token header and answers as those APIs do."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Filed:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class TrackerServer:
    token: str
    issues: list[Filed] = field(default_factory=list)
    fail_next: int = 0  # answer 502 this many times first (a tracker that is down)

    def __enter__(self) -> TrackerServer:
        tracker = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                parts = self.path.strip("/").split("/")
                if tracker.fail_next > 0:
                    tracker.fail_next -= 1
                    return self._answer(502, {"message": "Bad gateway"})
                if len(parts) == 4 and parts[0] == "repos" and parts[3] == "issues":  # GitHub
                    if self.headers.get("Authorization") != f"Bearer {tracker.token}":
                        return self._answer(401, {"message": "Bad credentials"})
                    if not isinstance(body.get("title"), str) or not isinstance(body.get("labels"), list):
                        return self._answer(422, {"message": "Validation Failed"})
                    number = self._file(body)
                    return self._answer(
                        201,
                        {
                            "number": number,
                            "html_url": f"https://github.example/{parts[1]}/{parts[2]}/issues/{number}",
                        },
                    )
                if len(parts) == 3 and parts[0] == "projects" and parts[2] == "issues":  # GitLab
                    if self.headers.get("PRIVATE-TOKEN") != tracker.token:
                        return self._answer(401, {"message": "401 Unauthorized"})
                    if not isinstance(body.get("title"), str) or not isinstance(body.get("labels"), str):
                        return self._answer(400, {"message": "title is missing"})
                    number = self._file(body)
                    return self._answer(
                        201,
                        {"iid": number, "web_url": f"https://gitlab.example/{parts[1]}/-/issues/{number}"},
                    )
                return self._answer(404, {"message": "Not Found"})

            def _file(self, body: dict[str, Any]) -> int:
                tracker.issues.append(Filed(self.path, dict(self.headers), body))
                return len(tracker.issues)

            def _answer(self, status: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
