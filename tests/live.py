"""A real uvicorn HTTP(S) server in a background thread, serving an app built by the test (so the
test can still hold the clock)."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from tests.receivers import free_port


class LiveServer:
    def __init__(self, app: Any, *, certfile: str | None = None, keyfile: str | None = None) -> None:
        self.port = free_port()
        scheme = "https" if certfile else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise AssertionError("the live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
