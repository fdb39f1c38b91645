"""`make chaos`: faults that must not lose an alert or a page, each against real processes and real
(private) PostgreSQL clusters. Bounded (each scenario has a time limit; the whole run under 15
minutes), not part of `make test`; each scenario runs alone with `--only NAME`.

Four scenarios are crash and fault tests of tests/e2e, run on PostgreSQL; the others are modules of
this package (serve_kill, standby, receiver_down, soak), each a process of its own driving real
`onwatch serve` / `onwatch worker` processes on private clusters (ports 55420-55439). Each counts
every 2xx its clients got and asserts 0 lost and 0 unpaged (duplicates only with the same
idempotency key, where a crash fell between delivery and commit; counted and printed) and bounded
server memory. This prints a table and writes bench/results/chaos.json with each scenario's outcome,
duration, the figures it printed and (modules) its measurements.

Run: .venv/bin/python -m bench.chaos [--only NAME ...] [--list] [--minutes 2] [--down 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
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
    test: str  # the pytest node that runs it, or the bench.chaos module
    limit: float  # seconds
    env: dict[str, str] = field(default_factory=dict)

    @property
    def module(self) -> bool:
        return self.test.startswith("bench.chaos.")


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
    Scenario(
        "serve-killed-events-v2",
        "kill -9 `onwatch serve` during Alertmanager and Events v2 load (8 retrying clients), restart it",
        "bench.chaos.serve_kill",
        240,
    ),
    Scenario(
        "standby-promoted",
        "stop the primary (immediate), promote its streaming standby: multi-host URL, ingest + escalation",
        "bench.chaos.standby",
        240,
    ),
    Scenario(
        "receiver-down",
        "the webhook receiver refuses connections, then answers 503, for --down seconds; pages queue",
        "bench.chaos.receiver_down",
        420,
    ),
    Scenario(
        "soak",
        "200 alert events/s (fire and resolve) for --minutes, one serve with its engine; RSS flat",
        "bench.chaos.soak",
        300,
    ),
]


def _command(scenario: Scenario, args: argparse.Namespace) -> tuple[list[str], float]:
    """The command running a scenario and its time limit (seconds)."""
    if not scenario.module:
        cmd = ["-m", "pytest", scenario.test, "-q", "-s", "-p", "no:cacheprovider", "-rs"]
        return [sys.executable, *cmd], scenario.limit
    cmd = [sys.executable, "-m", scenario.test]
    if scenario.name == "soak":
        return [*cmd, "--minutes", str(args.minutes)], scenario.limit + args.minutes * 60
    if scenario.name == "receiver-down":
        return [*cmd, "--down", str(args.down)], scenario.limit + 3 * args.down
    return cmd, scenario.limit


def _run(cmd: list[str], env: dict[str, str], limit: float) -> tuple[str, int]:
    """Output and exit status (-1: over its time limit: SIGTERM, so it removes its clusters)."""
    process = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output, _ = process.communicate(timeout=limit)
        return output, process.returncode
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        return output, -1


def run(scenario: Scenario, args: argparse.Namespace) -> dict[str, object]:
    env = {**os.environ, "ONWATCH_TEST_DATABASES": "postgresql", **scenario.env}
    env.setdefault("ONWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    env["ONWATCH_REQUIRE_POSTGRES"] = "1"
    cmd, limit = _command(scenario, args)
    started = time.monotonic()
    output, code = _run(cmd, env, limit)
    seconds = time.monotonic() - started
    lines = [line.strip() for line in output.splitlines()]
    measured: dict[str, object] = {}
    if scenario.module:
        figures = [line.removeprefix("figure: ") for line in lines if line.startswith("figure: ")]
        results = [line for line in lines if line.startswith("result: ")]
        measured = json.loads(results[-1].removeprefix("result: ")) if results else {}
    else:
        words = ("answered", "delivered", "ingested", "redelivered")
        figures = [line for line in lines if any(w in line for w in words)]
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
        **({"measured": measured} if measured else {}),
        "tail": [] if outcome == "passed" else lines[-25:],
    }


def _total(results: list[dict[str, object]]) -> float:
    return sum(float(str(r["seconds"])) for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", action="append", choices=[s.name for s in SCENARIOS], help="run this scenario"
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios")
    parser.add_argument("--minutes", type=float, default=2.0, help="how long the soak sends (default 2)")
    parser.add_argument("--down", type=float, default=60.0, help="seconds the receiver is down (default 60)")
    args = parser.parse_args()
    if args.list:
        for s in SCENARIOS:
            print(f"{s.name:<20} {s.what}")
        return 0
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only]
    results = []
    for scenario in chosen:
        print(f"-- {scenario.name}: {scenario.what}", flush=True)
        result = run(scenario, args)
        results.append(result)
        for line in [*result["figures"], *result["tail"]]:  # type: ignore[misc]
            print(f"   {line}")
    print(f"\n{'scenario':<24} {'outcome':<8} {'seconds':>8}  figures")
    for r in results:
        print(f"{r['scenario']:<24} {r['outcome']:<8} {r['seconds']:>8}  {'; '.join(r['figures'])}")  # type: ignore[arg-type]
    print(f"{'total':<24} {'':<8} {_total(results):>8.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": platform.node(),
                "cpus": os.cpu_count(),
                "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
                "parameters": {"minutes": args.minutes, "down": args.down},
                "total_seconds": round(_total(results), 1),
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
