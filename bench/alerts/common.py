"""Shared plumbing of the alerts bench: errors, the webhook sink, databases, processes, percentiles."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from tests.paging_helpers import AM_KEY, everyone_on_webhook
from tests.receivers import WebhookSink

from bench.incidents import CONFIG, ROOT, onwatch, percentile, postgres_database

AM_PATH = f"/api/v1/integrations/alertmanager/{AM_KEY}"
FIRST_STEP = "      - targets: [{role: eoc}]\n        delay: 15m"


class BenchError(RuntimeError):
    """A measurement could not be made as specified (errors, missing pages, time bound hit)."""


def listen_overflows() -> int | None:
    """Kernel counter of connections dropped because a listen queue was full (Linux), else None."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            row = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(row.get("ListenOverflows", 0))
    return None


def log_tracebacks(workdir: Path) -> dict[str, int]:
    """Tracebacks printed so far by the onwatch and Alertmanager processes, per log file."""
    counts = {log.name: log.read_text(errors="replace").count("Traceback") for log in workdir.glob("*.log")}
    return {name: n for name, n in counts.items() if n}


def dist_ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    if not ordered:
        return {"n": 0}
    return {
        "n": len(ordered),
        "p50_ms": percentile(ordered, 50) * 1000,
        "p90_ms": percentile(ordered, 90) * 1000,
        "p99_ms": percentile(ordered, 99) * 1000,
        "max_ms": ordered[-1] * 1000,
        "mean_ms": sum(ordered) / len(ordered) * 1000,
    }


def clean_env(database_url: str, **extra: str) -> dict[str, str]:
    """The caller's environment without ONWATCH_* settings (defaults apply), plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONWATCH_")}
    return {
        **env,
        "ONWATCH_DATABASE_URL": database_url,
        "ONWATCH_WEBHOOK_SECRET": "bench-webhook-key",
        **extra,
    }


def bench_config(sink: WebhookSink, first_step_delay: str | None = None) -> str:
    """The demo config with every person's contact methods pointing at the sink (webhook only)."""
    text = everyone_on_webhook(CONFIG.read_text(), sink)
    if first_step_delay is not None:
        if FIRST_STEP not in text:
            raise BenchError("examples/illumidesk.yaml changed: the first escalation step was not found")
        text = text.replace(FIRST_STEP, FIRST_STEP.replace("15m", first_step_delay))
    return text


@contextmanager
def prepared_database(
    admin_url: str, sink: WebhookSink, workdir: Path, first_step_delay: str | None = None
) -> Iterator[str]:
    """A throwaway PostgreSQL database, migrated, with the sink-wired demo config applied."""
    config = workdir / f"config-{secrets.token_hex(3)}.yaml"
    config.write_text(bench_config(sink, first_step_delay))
    with postgres_database(admin_url) as url:
        env = clean_env(url)
        onwatch(env, "migrate")
        onwatch(env, "apply-config", str(config))
        yield url


def scalar(url: str, sql: str) -> Any:
    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar_one()
    finally:
        engine.dispose()


@contextmanager
def process(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise BenchError(f"{proc.args!r} exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise BenchError(f"{url} not ready after {timeout} s:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)
