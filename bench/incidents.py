"""Incident command throughput over the real HTTP API, SQLite vs PostgreSQL.

Run: .venv/bin/python -m bench.incidents [--incidents 1000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "illumidesk.yaml"
RESULTS = ROOT / "bench" / "results" / "incidents.json"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
STATES = ["identified", "monitoring", "identified", "monitoring", "resolved"]
ONWATCH = [sys.executable, "-m", "onwatch.cli.main"]


@dataclass
class Samples:
    """Per-command latencies (seconds) and failures, shared by the worker threads."""

    declare: list[float] = field(default_factory=list)
    state: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_incident: int = 0

    def take(self, total: int) -> int | None:
        with self.lock:
            if self.next_incident >= total:
                return None
            self.next_incident += 1
            return self.next_incident


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def onwatch(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*ONWATCH, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"onwatch {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


@contextmanager
def server(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [*ONWATCH, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not healthy after 30 s:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def timed(client: httpx.Client, url: str, body: dict[str, Any], expect: int, out: list[float]) -> Any:
    """POST and record the latency; return the JSON body, or raise with a description."""
    start = time.perf_counter()
    response = client.post(url, json=body)
    out.append(time.perf_counter() - start)  # list.append is atomic under the GIL
    if response.status_code != expect:
        raise RuntimeError(f"POST {url} -> {response.status_code}: {response.text[:200]}")
    return response.json()


def worker(base: str, token: str, total: int, samples: Samples) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        while (n := samples.take(total)) is not None:
            try:
                body = {"title": f"bench incident {n}", "severity": "S3", "services": ["web"]}
                incident = timed(client, "/api/v1/incidents", body, 201, samples.declare)
                for state in STATES:
                    url = f"/api/v1/incidents/{incident['id']}/state"
                    timed(client, url, {"state": state}, 200, samples.state)
            except (RuntimeError, httpx.HTTPError) as exc:  # stop this incident; keep going
                samples.errors.append(f"incident {n}: {exc!r}"[:300])


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(latencies: list[float], wall: float) -> dict[str, float]:
    ordered = sorted(latencies)
    if not ordered:
        return {"commands": 0}
    ms = {f"p{p}_ms": percentile(ordered, p) * 1000 for p in (50, 90, 99)}
    return {
        "commands": len(ordered),
        "per_s": len(ordered) / wall,
        **ms,
        "max_ms": ordered[-1] * 1000,
        "mean_ms": sum(ordered) / len(ordered) * 1000,
    }


def run_backend(name: str, database_url: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = {**os.environ, "ONWATCH_DATABASE_URL": database_url}
    onwatch(env, "migrate")
    onwatch(env, "apply-config", str(CONFIG))
    token = onwatch(env, "token", "create", "--role", "admin", "--person", "nadia", "--name", "bench")
    token = token.strip().splitlines()[-1]
    samples = Samples()
    with server(env, workdir / f"server-{name}.log") as base:
        threads = [
            threading.Thread(target=worker, args=(base, token, args.incidents, samples))
            for _ in range(args.concurrency)
        ]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
    return {
        "backend": name,
        "wall_s": wall,
        "errors": len(samples.errors),
        "error_samples": samples.errors[:10],
        "all": summary(samples.declare + samples.state, wall),
        "declare": summary(samples.declare, wall),
        "state": summary(samples.state, wall),
    }


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """Create a throwaway database; yield its onwatch URL; drop it afterwards."""
    url = sa.make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"onwatch_bench_{secrets.token_hex(4)}"
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def print_table(results: list[dict[str, Any]]) -> None:
    cols = ["commands", "per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms"]
    print(f"\n{'backend':<11}{'path':<9}{'wall s':>8}" + "".join(f"{c:>10}" for c in cols))
    for r in results:
        for path in ("all", "declare", "state"):
            s = r[path]
            cells = "".join(
                f"{s.get(c, 0):>10.0f}" if c == "commands" else f"{s.get(c, 0):>10.1f}" for c in cols
            )
            print(f"{r['backend']:<11}{path:<9}{r['wall_s']:>8.2f}{cells}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=1000, help="incidents to run (6 commands each)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (one keep-alive each)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="where to create the bench database")
    args = parser.parse_args()
    params = {"incidents": args.incidents, "concurrency": args.concurrency, "states": STATES}
    results: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="onwatch-bench-") as tmp:
        workdir = Path(tmp)
        print(f"sqlite: {args.incidents} incidents, {args.concurrency} clients ...", flush=True)
        results.append(run_backend("sqlite", f"sqlite:///{workdir / 'bench.db'}", args, workdir))
        try:
            with postgres_database(args.pg_admin_url) as pg_url:
                print(f"postgresql: {args.incidents} incidents, {args.concurrency} clients ...", flush=True)
                results.append(run_backend("postgresql", pg_url, args, workdir))
        except sa.exc.OperationalError as exc:
            skipped["postgresql"] = str(exc.orig or exc).strip().splitlines()[0]
            print(f"postgresql skipped: {skipped['postgresql']}")
    print_table(results)
    by_name = {r["backend"]: r for r in results}
    ratio = None
    if "postgresql" in by_name:
        ratio = by_name["postgresql"]["all"]["per_s"] / by_name["sqlite"]["all"]["per_s"]
        print(f"\nPostgreSQL/SQLite commands/s: {ratio:.2f}")
    report = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "parameters": params,
        "results": results,
        "skipped": skipped,
        "postgresql_over_sqlite_commands_per_s": ratio,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results written to {RESULTS}")
    errors = sum(r["errors"] for r in results)
    if errors:
        for r in results:
            for e in r["error_samples"]:
                print(f"ERROR [{r['backend']}] {e}", file=sys.stderr)
        print(f"FAILED: {errors} request(s) failed (each stops its incident)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
