"""End-to-end fixtures: the real `onwatch` command and a real HTTP server on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from onwatch.db.uow import Database
from tests.conftest import DEMO_CONFIG
from tests.paging_helpers import everyone_on_webhook
from tests.receivers import WebhookSink

ONWATCH = str(Path(sys.executable).with_name("onwatch"))
ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90


# Runs that start several processes, kill them or restart PostgreSQL: under `pytest -n` (make test)
# they share one worker, so no two of them compete for the cores their deadlines assume
HEAVY = {
    "test_api_fuzzing", "test_ingest_crash", "test_ingest_faults", "test_process_game",
    "test_serve_processes", "test_shutdown", "test_workers_crash", "test_worker_waits_for_database",
    "test_paging_live", "test_slo_prometheus",
}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in HEAVY:
            item.add_marker(pytest.mark.xdist_group("heavy"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cli:
    env: dict[str, str]

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [ONWATCH, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        if ok and result.returncode != 0:
            raise AssertionError(f"onwatch {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def demo_paging(self, sink: WebhookSink, directory: Path) -> None:
        """`onwatch migrate`, then `apply-config` of the demo with everyone paged by webhook at `sink`
        (the config file is written to `directory`)."""
        config = directory / "onwatch.yaml"
        config.write_text(everyone_on_webhook(DEMO_CONFIG.read_text(), sink))
        self("migrate")
        self("apply-config", str(config))


@pytest.fixture
def cli(db: Database) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONWATCH_")}
    env["ONWATCH_DATABASE_URL"] = db.engine.url.render_as_string(hide_password=False)
    env["ONWATCH_WEBHOOK_SECRET"] = "e2e-webhook-key"  # the e2e configs page by webhooks without their own
    return Cli(env)


class Servers:
    """Starts `onwatch serve` (after the test prepared the database); `processes` are the started ones."""

    def __init__(self, cli: Cli) -> None:
        self.cli = cli
        self.processes: list[subprocess.Popen[str]] = []

    def __call__(self, *extra: str) -> str:
        port = free_port()
        proc = subprocess.Popen(
            [ONWATCH, "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
            env=self.cli.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.processes.append(proc)
        base = f"{'https' if '--tls-cert' in extra else 'http'}://127.0.0.1:{port}"
        # a start-up takes ~2 s here; 30 s was not enough once with the machine's cores shared 8 ways
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"onwatch serve exited:\n{proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1, verify=False).status_code == 200:
                    return base
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"onwatch serve did not become healthy within {START_SECONDS} s")

    def stop(self) -> None:
        for proc in self.processes:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def server(cli: Cli) -> Iterator[Servers]:
    """Start `onwatch serve` lazily (after the test prepared the database); stop it afterwards."""
    servers = Servers(cli)
    yield servers
    servers.stop()
