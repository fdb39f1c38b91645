"""`make chaos`: faults that must not lose an alert or a page, each against real processes and real
(private) PostgreSQL clusters. Bounded (each scenario has a time limit; the whole run well under
15 minutes), not part of `make test`; each scenario runs alone with `--only NAME`.

The scenarios are the crash and fault tests of tests/e2e, run on PostgreSQL: each counts every 2xx
its clients got and asserts 0 lost and 0 unpaged (duplicates only with the same idempotency key,
where a crash fell between delivery and commit; counted and printed). This prints a table and writes
bench/results/chaos.json with each scenario's outcome, duration and the figures it printed.

Run: .venv/bin/python -m bench.chaos [--only NAME ...] [--list]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "chaos.json"


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    test: str  # the pytest node that runs it
    limit: float  # seconds
    env: dict[str, str] = field(default_factory=dict)


SCENARIOS = [
    Scenario(
        "serve-killed",
        "kill -9 `onwatch serve` during an Alertmanager storm (150 x 100 alerts, 8 clients)",
        "tests/e2e/test_ingest_crash.py",
        240,
    ),
    Scenario(
        "worker-killed",
        "kill -9 one of three workers, deliveries in flight to a slow receiver (50 ms), lease 3 s",
        "tests/e2e/test_workers_crash.py",
        300,
        {"ONWATCH_TEST_CRASH_RECEIVER_DELAY": "0.05"},
    ),
    Scenario(
        "postgresql-restart",
        "restart a private PostgreSQL cluster during ingest (4 clients, groups joined and opened)",
        "tests/e2e/test_ingest_faults.py::"
        "test_a_postgresql_restart_mid_ingest_gives_503s_then_recovers_and_every_answered_alert_is_applied",
        240,
    ),
    Scenario(
        "sigterm-in-flight",
        "SIGTERM during a slow request: it completes, new ones refused, exit within 10 s",
        "tests/e2e/test_shutdown.py",
        180,
    ),
]


def run(scenario: Scenario) -> dict[str, object]:
    env = {**os.environ, "ONWATCH_TEST_DATABASES": "postgresql", **scenario.env}
    env.setdefault("ONWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    env["ONWATCH_REQUIRE_POSTGRES"] = "1"
    cmd = [sys.executable, "-m", "pytest", scenario.test, "-q", "-s", "-p", "no:cacheprovider", "-rs"]
    started = time.monotonic()
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=scenario.limit)
        output, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        output, code = f"{exc.stdout or ''}{exc.stderr or ''}", -1
    seconds = time.monotonic() - started
    lines = [line.strip() for line in output.splitlines()]
    figures = [
        line for line in lines if any(w in line for w in ("answered", "delivered", "ingested", "redelivered"))
    ]
    skipped = [line for line in lines if line.startswith("SKIPPED")]
    outcome = (
        "timeout"
        if code == -1
        else "passed"
        if code == 0 and not skipped
        else "skipped"
        if skipped
        else "FAILED"
    )
    return {
        "scenario": scenario.name,
        "what": scenario.what,
        "outcome": outcome,
        "seconds": round(seconds, 1),
        "figures": figures,
        "tail": [] if outcome == "passed" else lines[-25:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", action="append", choices=[s.name for s in SCENARIOS], help="run this scenario"
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios")
    args = parser.parse_args()
    if args.list:
        for s in SCENARIOS:
            print(f"{s.name:<20} {s.what}")
        return 0
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only]
    results = []
    for scenario in chosen:
        print(f"-- {scenario.name}: {scenario.what}", flush=True)
        result = run(scenario)
        results.append(result)
        for line in [*result["figures"], *result["tail"]]:  # type: ignore[misc]
            print(f"   {line}")
    print(f"\n{'scenario':<20} {'outcome':<8} {'seconds':>8}  figures")
    for r in results:
        print(f"{r['scenario']:<20} {r['outcome']:<8} {r['seconds']:>8}  {'; '.join(r['figures'])}")  # type: ignore[arg-type]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": platform.node(),
                "scenarios": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten {RESULTS.relative_to(ROOT)}")
    return 0 if all(r["outcome"] == "passed" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
