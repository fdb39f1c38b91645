"""`onwatch serve --processes N`: N server processes sharing one port (PostgreSQL only).

Each binds its own SO_REUSEPORT socket, so the kernel spreads connections over them (uvicorn's
shared socket lets one process take a burst); the engine stays in the parent, woken by NOTIFY.
The parent restarts a server that dies and stops all on SIGTERM/SIGINT; an orphaned server stops.
On SIGTERM a `Server` drains: /readyz 503, listening socket closed, requests in flight finished for
up to SHUTDOWN_GRACE s, the process ended after SHUTDOWN_LIMIT (ingest promised nothing unsaved).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import TYPE_CHECKING

import uvicorn

from onwatch.app import serving_process_app

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(__name__)

RESTART_PAUSE = 1.0  # seconds between restarts of a process that keeps dying
SHUTDOWN_GRACE = 7.0  # seconds requests in flight get to finish after SIGTERM
SHUTDOWN_LIMIT = 9.5  # seconds after SIGTERM by which the process is gone, whatever holds it


class Server(uvicorn.Server):
    """uvicorn's server, which on SIGTERM/SIGINT first marks the app draining (`app.state.health`)
    and makes sure the process is gone within SHUTDOWN_LIMIT seconds."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exiting = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        health = getattr(getattr(self.config.app, "state", None), "health", None)
        if health is not None:
            health.drain()
        if not self._exiting:
            self._exiting = True
            threading.Thread(
                target=_exit_after, args=(SHUTDOWN_LIMIT,), name="onwatch-stop", daemon=True
            ).start()
        super().handle_exit(sig, frame)


def _exit_after(seconds: float) -> None:
    time.sleep(seconds)
    log.error("shutdown still not done %.1f s after the signal; exiting now", seconds)
    logging.shutdown()
    os._exit(1)


def server_for(app: FastAPI, listen: Listen, *, log_level: str = "info") -> Server:
    """The server of one process: `server.run()` (or `run(sockets=[...])`) until SIGTERM."""
    config = uvicorn.Config(
        app,
        host=listen.host,
        port=listen.port,
        log_level=log_level,
        access_log=False,
        ssl_certfile=listen.ssl_certfile,
        ssl_keyfile=listen.ssl_keyfile,
        timeout_graceful_shutdown=int(SHUTDOWN_GRACE),
    )
    return Server(config)


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None


def _bound(listen: Listen, *, reuse_port: bool) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(listen.host, listen.port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def check_port_free(listen: Listen) -> None:
    """Refuse to start beside another server on the port: SO_REUSEPORT alone would share it."""
    _bound(listen, reuse_port=False).close()  # OSError (address in use) when something listens there


def reuseport_socket(listen: Listen) -> socket.socket:
    sock = _bound(listen, reuse_port=True)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_one(listen: Listen) -> None:
    """The body of one server process."""
    parent = os.getppid()
    sock = reuseport_socket(listen)
    server = server_for(serving_process_app(), listen)

    def orphaned() -> None:
        # the parent was killed without stopping us (SIGKILL): stop rather than hold the port
        while os.getppid() == parent:
            time.sleep(1.0)
        server.should_exit = True

    threading.Thread(target=orphaned, name="onwatch-orphan-check", daemon=True).start()
    server.run(sockets=[sock])


def serve_processes(listen: Listen, processes: int) -> None:
    """Run `processes` server processes until SIGTERM or SIGINT; restart any that dies."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connections
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}

    def start(index: int) -> BaseProcess:
        proc = context.Process(target=serve_one, args=(listen,), name=f"onwatch-server-{index}")
        proc.start()
        return proc

    running = [start(i) for i in range(processes)]
    try:
        while not stop.wait(0.5):
            for i, proc in enumerate(running):
                if not proc.is_alive():
                    log.error("server process %s exited with %s; starting another", proc.name, proc.exitcode)
                    time.sleep(RESTART_PAUSE)
                    running[i] = start(i)
    finally:
        for proc in running:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + SHUTDOWN_LIMIT + 0.3  # each stops itself by then
        for proc in running:
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
        for signum, handler in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, handler)
