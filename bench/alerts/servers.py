"""The servers under test: onwatch in each layout, and a Prometheus Alertmanager baseline."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.alerts.common import BenchError, process, wait_ready
from bench.incidents import ONWATCH, ROOT, free_port

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
LAYOUTS = {
    "serve": "`onwatch serve` (engine in the server process)",
    "serve+worker": "`onwatch serve` + one `onwatch worker` process (separate engine; polls)",
    "inprocess": "bench wiring: Onwatch.api() + Onwatch.worker().run_forever thread in one uvicorn process",
}


def serve_has_engine() -> bool:
    """Does this build's `onwatch serve` run the engine (and so offer --no-engine)?"""
    done = subprocess.run(
        [*ONWATCH, "serve", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    return "--no-engine" in done.stdout


@contextmanager
def onwatch_server(
    env: dict[str, str], workdir: Path, name: str, *, layout: str, engine_flag: bool
) -> Iterator[str]:
    """Start onwatch in one of LAYOUTS ("api" = API only); yield its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / f"{name}.log"
    serve = [*ONWATCH, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"]
    with ExitStack() as stack:
        if layout == "api":
            proc = stack.enter_context(process([*serve, *(["--no-engine"] if engine_flag else [])], env, log))
        elif layout in ("serve", "serve+worker"):
            proc = stack.enter_context(process(serve, env, log))
            if layout == "serve+worker":
                worker = stack.enter_context(process([*ONWATCH, "worker"], env, log))
        elif layout == "inprocess":
            code = (
                "import sys; from bench.alerts.servers import serve_with_engine; "
                "serve_with_engine(int(sys.argv[1]))"
            )
            proc = stack.enter_context(process([sys.executable, "-c", code, str(port)], env, log))
        else:
            raise ValueError(layout)
        wait_ready(f"{base}/healthz", proc, log)
        if layout == "serve+worker" and worker.poll() is not None:
            raise BenchError(f"onwatch worker exited:\n{log.read_text()[-2000:]}")
        yield base


def serve_with_engine(port: int) -> None:
    """What README says `onwatch serve` does: the API, with a worker thread that the API wakes after
    each commit that queued work. Only for builds whose `serve` has no engine (layout "inprocess")."""
    import uvicorn

    from onwatch.bootstrap import build

    ow = build()
    worker = ow.worker()
    stop = threading.Event()
    thread = threading.Thread(
        target=worker.run_forever, args=(stop, ow.settings.worker_poll_seconds), name="engine", daemon=True
    )
    thread.start()
    try:
        uvicorn.run(ow.api(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    finally:
        stop.set()
        worker.wake()
        thread.join(timeout=10)


@contextmanager
def ceiling_server(database_url: str, workdir: Path, name: str, driver: str) -> Iterator[str]:
    """bench/alerts/ceiling.py's durable-append app on `database_url`; yields its base URL."""
    port = free_port()
    log = workdir / f"{name}.log"
    cmd = [sys.executable, "-m", "bench.alerts.ceiling", str(port), database_url, driver]
    with process(cmd, dict(os.environ), log) as proc:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/ready", proc, log)
        yield base


@contextmanager
def alertmanager(workdir: Path, name: str) -> Iterator[str]:
    """A fresh Prometheus Alertmanager (alerts in memory); routes to a receiver that sends nothing."""
    port = free_port()
    cfg = workdir / f"{name}.yml"
    cfg.write_text(
        "route:\n  receiver: blackhole\n  group_by: [alertname, service]\nreceivers:\n  - name: blackhole\n"
    )
    storage = workdir / f"{name}-data"
    storage.mkdir()
    cmd = [
        ALERTMANAGER, f"--config.file={cfg}", f"--storage.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
    ]  # fmt: skip
    log = workdir / f"{name}.log"
    base = f"http://127.0.0.1:{port}"
    with process(cmd, dict(os.environ), log) as proc:
        wait_ready(f"{base}/-/ready", proc, log)
        yield base
