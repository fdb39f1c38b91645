"""Status page requests/s with wrk at 50 connections, onwatch on PostgreSQL holding 20 open and 1,000
past incidents; baseline in the same run: the same bytes served as a static file by the same server.

Run: .venv/bin/python -m bench.status [--duration 10] [--connections 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.incidents import postgres_database
from onwatch.bootstrap import build
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config_file
from onwatch.db import migrate
from onwatch.db.uow import Database
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import Interface, Severity, State, Status
from onwatch.kernel.timeline import Actor
from onwatch.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "examples" / "illumidesk.yaml"
RESULTS = ROOT / "bench" / "results" / "status.json"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
SERVICES = ["web", "api", "git", "pages", "registry"]
PEOPLE = ["amara", "lukas", "maria", "jordan", "aiko", "ravi"]
PATHS = {
    "status_html": ("/status", "status.html"),
    "summary_json": ("/status/api/v2/summary.json", "summary.json"),
}


def seed(db: Database, open_count: int, past_count: int, now: datetime) -> None:
    """Past incidents spread over the last year (each with updates, resolved), then the open ones."""
    rng = random.Random(7)
    with db.write() as uow:
        for n in range(past_count + open_count):
            past = n < past_count
            declared = now - timedelta(days=rng.uniform(1, 365) if past else rng.uniform(0, 0.5))
            actor = Actor.person(rng.choice(PEOPLE), Interface.API)
            incident = Incident.declare(
                title=f"{'Past' if past else 'Open'} incident {n}: elevated errors",
                severity=Severity(rng.randint(1, 4)),
                actor=actor,
                now=declared,
                services=rng.sample(SERVICES, rng.randint(1, 2)),
                status=rng.choice(
                    [s for s in Status if s not in (Status.OPERATIONAL, Status.SECURITY_ISSUE)]
                ),
            )
            incident.post_update(
                "We are investigating reports of errors.", actor, declared + timedelta(minutes=5)
            )
            incident.change_state(State.IDENTIFIED, actor, declared + timedelta(minutes=20))
            incident.post_update(
                "The cause is identified; a fix is rolling out.", actor, declared + timedelta(minutes=25)
            )
            if past:
                incident.change_state(
                    State.RESOLVED, actor, declared + timedelta(minutes=rng.randint(30, 600))
                )
                incident.post_update(
                    "Resolved; all systems operational.", actor, declared + timedelta(hours=11)
                )
            uow.repo(IncidentRepository).add(incident)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wrk(url: str, connections: int, duration: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True, text=True, check=True, timeout=duration + 60,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)

    def ms(m: re.Match[str] | None) -> float:
        if m is None:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    return {"rps": round(rps, 1), "p50_ms": round(ms(p50), 2), "p99_ms": round(ms(p99), 2),
            "non_2xx": int(errors.group(1)) if errors else 0}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--open", type=int, default=20)
    parser.add_argument("--past", type=int, default=1000)
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with postgres_database(args.pg_admin_url) as url, tempfile.TemporaryDirectory() as static:
        db = build(Settings.model_construct(database_url=url, public_url="http://onwatch.test")).db
        migrate.upgrade(db.engine)
        apply_config(db, load_config_file(CONFIG), now=now, applied_by="bench")
        started = time.perf_counter()
        seed(db, args.open, args.past, now)
        seeded_s = time.perf_counter() - started
        db.dispose()
        port = free_port()
        env = {**os.environ, "ONWATCH_DATABASE_URL": url, "ONWATCH_BENCH_STATIC": static}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "bench.status.app:app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            results: dict[str, Any] = {}
            for name, (path, filename) in PATHS.items():
                body = httpx.get(f"{base}{path}", timeout=30).content
                (Path(static) / filename).write_bytes(body)  # the same bytes, as a static file
                dynamic = wrk(f"{base}{path}", args.connections, args.duration)
                baseline = wrk(f"{base}/bench-static/{filename}", args.connections, args.duration)
                memory = wrk(f"{base}/bench-memory/{filename}", args.connections, args.duration)
                results[name] = {
                    "path": path, "bytes": len(body), "onwatch": dynamic, "static_file": baseline,
                    "ratio_onwatch_to_static": round(dynamic["rps"] / baseline["rps"], 3),
                    "same_bytes_from_memory": memory,
                    "ratio_onwatch_to_memory": round(dynamic["rps"] / memory["rps"], 3),
                }  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=10)
    report = {
        "benchmark": "status page vs static file (wrk)",
        "when": now.isoformat(),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "database": "postgresql",
        "incidents": {"open": args.open, "past": args.past, "seed_seconds": round(seeded_s, 1)},
        "wrk": {"threads": 2, "connections": args.connections, "duration_s": args.duration},
        "server": "uvicorn, one process (the same for both); status cache TTL 5 s with ETag",
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    head = f"{'path':<30}{'bytes':>8}{'onwatch req/s':>15}{'static file':>13}{'ratio':>7}"
    print(head + f"{'memory':>9}{'ratio':>7}")
    for r in results.values():
        print(f"{r['path']:<30}{r['bytes']:>8}{r['onwatch']['rps']:>15}{r['static_file']['rps']:>13}"
              f"{r['ratio_onwatch_to_static']:>7}{r['same_bytes_from_memory']['rps']:>9}"
              f"{r['ratio_onwatch_to_memory']:>7}")  # fmt: skip
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
