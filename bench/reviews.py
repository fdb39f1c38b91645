"""Reviews at scale: full-text search and the review list over 10,000 resolved incidents with
reviews (and 2,000 near misses), through the HTTP API in process, on SQLite and PostgreSQL.

Run: .venv/bin/python -m bench.reviews [--incidents 10000] [--requests 300]

Each backend gets a fresh migrated database with the demo organisation; incidents, reviews (every
section written from a seeded 5,000-word vocabulary with Zipf-like frequencies) and corrective
actions are inserted in bulk (the FTS5 triggers and the generated tsvector columns keep the search
up to date as on any write). Measured, per endpoint,
client-side latency of `--requests` sequential requests (p50/p99/max, nearest rank):

- GET /api/v1/search?q=<one or two words>   full-text search over incidents, reviews, near misses
- GET /api/v1/reviews?limit=100              the review list (newest first)
- GET /api/v1/reviews?status=draft&limit=100 the list filtered
- GET /api/v1/reviews?overdue=true&limit=100 overdue reviews
- GET /api/v1/incidents?limit=100            baseline: the incident list, for the ratios

Target: p99 <= 100 ms for search and the review list on both databases. Results go to
bench/results/reviews.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from onwatch.bootstrap import build
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config_file
from onwatch.db import migrate
from onwatch.db.tables import corrective_actions, incident_services, incidents, reviews
from onwatch.directory.tokens import TokenRepository, TokenRole
from onwatch.kernel.clock import FakeClock
from onwatch.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "reviews.json"
DEMO = ROOT / "examples" / "illumidesk.yaml"
TARGET_P99_MS = 100.0
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WORDS = [
    "checkout",
    "certificate",
    "disk",
    "database",
    "replica",
    "latency",
    "timeout",
    "deploy",
    "rollback",
    "flag",
    "config",
    "cache",
    "queue",
    "saturation",
    "memory",
    "leak",
    "dns",
    "proxy",
    "registry",
    "storage",
    "pipeline",
    "runner",
    "webhook",
    "token",
    "quota",
    "shard",
    "index",
    "migration",
    "vacuum",
    "lock",
    "deadlock",
    "network",
    "partition",
    "failover",
    "backup",
    "restore",
    "retry",
    "throttle",
    "release",
    "canary",
    "kernel",
    "upgrade",
    "cron",
    "scheduler",
    "mirror",
    "pages",
    "api",
    "web",
    "git",
]
PEOPLE = ["amara", "lukas", "maria", "jordan", "aiko", "ravi"]
SERVICES = ["web", "api", "git", "pages", "registry"]
CATEGORIES = ["Software-Change", "Config-Change", "Saturation", "External-Dependency", "SPoF"]


def vocabulary(size: int = 5000) -> list[str]:
    """The domain words first, then synthetic ones ("word417"): incident text has thousands of terms."""
    return WORDS + [f"{WORDS[i % len(WORDS)]}{i}" for i in range(size - len(WORDS))]


VOCABULARY = vocabulary()
# Zipf-like frequencies (s = 1.1): a few words are everywhere, most are rare, as in real text
WEIGHTS = [1 / (rank + 1) ** 1.1 for rank in range(len(VOCABULARY))]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, weights=WEIGHTS, k=n))


def load(engine: sa.Engine, count: int, near_misses: int, seed: int) -> None:
    rng = random.Random(seed)
    incident_rows, service_rows, review_rows, action_rows = [], [], [], []
    for i in range(1, count + 1):
        declared = NOW - timedelta(days=400) + timedelta(minutes=50 * i)
        resolved = declared + timedelta(minutes=rng.randint(10, 600))
        owner = rng.choice(PEOPLE)
        severity = rng.choice([1, 2, 2, 3, 3, 4])
        incident_rows.append(
            {
                "id": i, "title": sentence(rng, 5)[:200], "severity": severity, "state": "resolved",
                "status": "operational", "declared_by": owner, "declared_at": declared, "owner_id": owner,
                "owner_role": "eoc", "imoc_required": False, "review_requested": severity == 1,
                "mitigated_at": resolved, "resolved_at": resolved, "updated_at": resolved, "version": 1,
                "security": False, "confidential": False, "review_completed": False,
            }
        )  # fmt: skip
        service_rows.append({"incident_id": i, "service_id": rng.choice(SERVICES)})
        status = rng.choice(["draft", "in_review", "completed", "completed"])
        sections = {k: sentence(rng, 40) for k in ("summary", "customer_impact", "detection", "root_cause")}
        title = incident_rows[-1]["title"]
        review_rows.append(
            {
                "id": i, "kind": "incident", "incident_id": i, "title": title, "severity": severity,
                "status": status, "owner_id": owner, "conductor_id": "nadia", "services": [],
                "sections": sections, "prefill": {}, "marks": {}, "created_at": resolved,
                "due_at": resolved + timedelta(days=14), "anonymous": False, "version": 2,
                "category": rng.choice(CATEGORIES) if status == "completed" else None,
                "search_text": "\n".join([title, *sections.values()]),
            }
        )  # fmt: skip
        for _ in range(rng.randint(0, 2)):
            action_rows.append(
                {
                    "review_id": i, "title": sentence(rng, 4), "owner_id": owner,
                    "due_at": resolved + timedelta(days=30), "status": rng.choice(["open", "done"]),
                    "created_at": resolved, "updated_at": resolved, "version": 1,
                }
            )  # fmt: skip
    for j in range(count + 1, count + near_misses + 1):
        title = sentence(rng, 5)
        review_rows.append(
            {
                "id": j, "kind": "near_miss", "incident_id": None, "title": title, "severity": 3,
                "status": "draft", "owner_id": rng.choice(PEOPLE), "conductor_id": None, "services": [],
                "sections": {"barrier": sentence(rng, 20)}, "prefill": {}, "marks": {},
                "created_at": NOW - timedelta(days=rng.randint(1, 300)), "due_at": NOW + timedelta(days=3),
                "anonymous": False, "version": 1, "search_text": title, "category": None,
            }
        )  # fmt: skip
    with engine.begin() as conn:
        for table, rows in (
            (incidents, incident_rows),
            (incident_services, service_rows),
            (reviews, review_rows),
            (corrective_actions, action_rows),
        ):
            for start in range(0, len(rows), 2000):
                conn.execute(sa.insert(table), rows[start : start + 2000])
        if conn.dialect.name == "postgresql":
            for table in ("incidents", "reviews", "corrective_actions"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def measure(client: TestClient, paths: list[str]) -> dict[str, float]:
    times = []
    for path in paths:
        began = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:200]}")
    return {
        "requests": len(times),
        "p50_ms": round(percentile(times, 50), 2),
        "p99_ms": round(percentile(times, 99), 2),
        "max_ms": round(max(times), 2),
    }


def run_backend(url: str, count: int, near_misses: int, requests: int, seed: int) -> dict[str, Any]:
    clock = FakeClock(NOW)
    ow = build(Settings.model_construct(database_url=url, public_url="http://onwatch.test"), clock)
    migrate.upgrade(ow.db.engine)
    apply_config(ow.db, load_config_file(DEMO), now=NOW, applied_by="bench")
    began = time.perf_counter()
    load(ow.db.engine, count, near_misses, seed)
    loaded_s = time.perf_counter() - began
    with ow.db.write() as uow:
        token, _ = uow.repo(TokenRepository).create(
            name="bench", role=TokenRole.ADMIN, person_id="nadia", now=NOW
        )
    rng = random.Random(seed + 1)
    # what people type: one or two words drawn like the text (so common words are asked for too)
    queries = [sentence(rng, rng.choice([1, 2])) for _ in range(requests)]
    try:
        with TestClient(ow.api(web=False), headers={"Authorization": f"Bearer {token}"}) as client:
            for _ in range(20):  # warm caches and connections
                client.get("/api/v1/reviews?limit=100")
                client.get(f"/api/v1/search?q={queries[0]}")
            endpoints = {
                "search": [f"/api/v1/search?q={q}" for q in queries],
                "review_list": ["/api/v1/reviews?limit=100"] * requests,
                "review_list_draft": ["/api/v1/reviews?status=draft&limit=100"] * requests,
                "review_list_overdue": ["/api/v1/reviews?overdue=true&limit=100"] * requests,
                "baseline_incident_list": ["/api/v1/incidents?limit=100"] * requests,
            }
            measured = {name: measure(client, paths) for name, paths in endpoints.items()}
    finally:
        ow.db.dispose()
    base = measured["baseline_incident_list"]["p99_ms"]
    for m in measured.values():
        m["p99_vs_incident_list"] = round(m["p99_ms"] / base, 2) if base else None
    checked = ("search", "review_list", "review_list_draft", "review_list_overdue")
    return {
        "incidents": count,
        "near_misses": near_misses,
        "load_seconds": round(loaded_s, 1),
        "endpoints": measured,
        "target_p99_ms": TARGET_P99_MS,
        "met": all(measured[n]["p99_ms"] <= TARGET_P99_MS for n in checked),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--near-misses", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="onwatch-bench-reviews-") as tmp:
        for backend in args.backends.split(","):
            templates = None
            try:
                if backend == "sqlite":
                    url = f"sqlite:///{Path(tmp) / 'reviews.db'}"
                else:
                    from tests.databases import PostgresTemplates, postgres_unreachable_reason

                    reason = postgres_unreachable_reason()
                    if reason:
                        skipped[backend] = reason
                        continue
                    templates = PostgresTemplates()
                    url = templates.fresh()
                results[backend] = run_backend(
                    url, args.incidents, args.near_misses, args.requests, args.seed
                )
            finally:
                if templates is not None:
                    templates.drop_all()
            r = results[backend]
            print(
                f"\n{backend}: {r['incidents']} incidents + {r['near_misses']} near misses "
                f"loaded in {r['load_seconds']} s"
            )
            for name, m in r["endpoints"].items():
                print(
                    f"  {name:<24} p50 {m['p50_ms']:>7.2f} ms  p99 {m['p99_ms']:>7.2f} ms"
                    f"  max {m['max_ms']:>7.2f} ms"
                    f"  p99 x{m['p99_vs_incident_list']} of the incident list"
                )
            print(f"  p99 <= {TARGET_P99_MS:.0f} ms: {'met' if r['met'] else 'NOT met'}")
    document = {
        "bench": "reviews",
        "at": datetime.now(UTC).isoformat(),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "parameters": vars(args),
        "results": results,
        "skipped": skipped,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    return 0 if all(r["met"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
