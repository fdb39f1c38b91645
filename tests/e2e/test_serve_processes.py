"""`onwatch serve --processes N`: several server processes on one port, the engine in the parent."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from onwatch.db.uow import Database
from tests.e2e.conftest import Cli, Servers
from tests.paging_helpers import AM_KEY
from tests.receivers import WebhookSink


def _server_processes(parent: int) -> list[int]:
    """The parent's children that serve HTTP (multiprocessing also starts a resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"multiprocessing.spawn" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _fire(base: str, name: str) -> httpx.Response:
    body = {"alerts": [{"status": "firing", "labels": {"alertname": name, "service": "web"}}]}
    # a new connection per request: the kernel spreads connections over the processes
    return httpx.post(f"{base}/api/v1/integrations/alertmanager/{AM_KEY}", json=body, timeout=10)


def test_two_server_processes_share_the_port_survive_a_crash_and_page_through_the_engine(
    db: Database, cli: Cli, server: Servers, webhook_sink: WebhookSink, tmp_path: Path
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("several server processes need PostgreSQL (SQLite's refusal is tested below)")
    cli.demo_paging(webhook_sink, tmp_path)
    base = server("--processes", "2")
    parent = server.processes[-1].pid
    _wait_for(lambda: len(_server_processes(parent)) == 2, "two server processes")
    answers = [_fire(base, f"Alert{i}") for i in range(20)]
    assert [a.status_code for a in answers] == [200] * 20
    # the engine runs in the parent; NOTIFY from the server processes' commits wakes it
    webhook_sink.wait_for(lambda requests: len(requests) >= 20, timeout=20)

    crashed = _server_processes(parent)[0]
    os.kill(crashed, signal.SIGKILL)
    assert _fire(base, "WhileOneIsDown").status_code == 200  # the other process still answers
    _wait_for(
        lambda: len(after := _server_processes(parent)) == 2 and crashed not in after,
        "the parent to start another server process",
    )

    children = _server_processes(parent)
    os.kill(parent, signal.SIGTERM)
    server.processes[-1].wait(timeout=20)
    _wait_for(lambda: not any(_alive(pid) for pid in children), "the servers to stop")


def test_server_processes_stop_when_their_parent_is_killed_outright(
    db: Database, cli: Cli, server: Servers
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("several server processes need PostgreSQL")
    cli("migrate")
    server("--processes", "2", "--no-engine")
    parent = server.processes[-1].pid
    _wait_for(lambda: len(_server_processes(parent)) == 2, "two server processes")
    children = _server_processes(parent)
    os.kill(parent, signal.SIGKILL)  # no chance to stop them
    server.processes[-1].wait(timeout=10)
    _wait_for(lambda: not any(_alive(pid) for pid in children), "the orphaned servers to stop")


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper has stopped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_several_processes_on_sqlite_are_refused_with_the_reason(db: Database, cli: Cli) -> None:
    if db.dialect != "sqlite":
        pytest.skip("the refusal is SQLite's")
    cli("migrate")
    result = cli("serve", "--port", "0", "--processes", "2", ok=False)
    assert result.returncode != 0
    assert "--processes above 1 needs PostgreSQL" in result.stdout + result.stderr
