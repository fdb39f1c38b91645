"""Alerts: ingest rate vs Prometheus Alertmanager, alert -> first page latency, escalation timer lateness.

Run: .venv/bin/python -m bench.alerts [--alerts 10000] [--latency-samples 200] [--timers 10000]
Quick smoke run (under a minute):
     .venv/bin/python -m bench.alerts --alerts 500 --latency-samples 10 --timers 200 \
         --timer-lead 3 --timer-window 2 --latency-layouts inprocess
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tests.receivers import WebhookSink

from bench.alerts.common import BenchError, listen_overflows, log_tracebacks, scalar
from bench.alerts.ingest import phase_ingest, print_ingest
from bench.alerts.latency import phase_latency, print_latency
from bench.alerts.servers import ALERTMANAGER, LAYOUTS, serve_has_engine
from bench.alerts.timers import phase_timers, print_timers
from bench.incidents import PG_ADMIN_URL, ROOT

RESULTS = ROOT / "bench" / "results" / "alerts.json"
CPU_NOTE = (
    "server, PostgreSQL, load generator (wrk / Python clients) and the webhook sink all share this "
    "machine's {n} cores"
)


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "changed_files": git("status", "--short").splitlines()}


def versions(admin_url: str) -> dict[str, str | None]:
    def first_line(cmd: list[str]) -> str | None:
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
        except OSError:
            return None
        lines = (done.stdout or done.stderr).strip().splitlines()
        return lines[0] if lines else None

    try:
        postgres = str(scalar(admin_url, "SELECT version()"))
    except sa.exc.OperationalError:
        postgres = None
    return {
        "postgresql": postgres,
        "alertmanager": first_line([ALERTMANAGER, "--version"]),
        "wrk": first_line(["wrk", "--version"]),
    }


def run_phases(
    phases: list[str],
    args: argparse.Namespace,
    results: dict[str, Any],
    workdir: Path,
    sink: WebhookSink,
    engine_flag: bool,
    layouts: list[str],
) -> None:
    for phase in phases:
        started = time.monotonic()
        if phase == "ingest":
            results["ingest"] = result = phase_ingest(args, workdir, engine_flag, sink)
            print_ingest(result)
        elif phase == "latency":
            results["latency"] = result = phase_latency(args, workdir, sink, layouts)
            print_latency(result)
            errors = [e for r in result["rows"] for e in r["errors"]]
            errors += [e for r in result["rows"] for e in r.get("background", {}).get("error_samples", [])]
            if errors:
                raise BenchError(f"latency: {len(errors)} error(s), e.g. {errors[:3]}")
        elif phase == "timers":
            results["timers"] = result = phase_timers(args, workdir, sink)
            print_timers(result)
            if result["missing"]:
                raise BenchError(f"timers: {result['missing']} IMOC page(s) missing at the time bound")
        else:
            raise BenchError(f"unknown phase {phase!r}")
        print(f"[{phase}] took {time.monotonic() - started:.0f} s\n", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="alerts.py",  # as when this was bench/alerts.py (argv[0] is now __main__.py)
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--phases", default="ingest,latency,timers", help="comma-separated subset to run")
    parser.add_argument("--alerts", type=int, default=10_000, help="ingest: distinct alerts per run")
    parser.add_argument(
        "--batches",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1, 100],
        help="alerts per request",
    )
    parser.add_argument("--connections", type=int, default=8, help="ingest: wrk threads, one connection each")
    parser.add_argument(
        "--server-processes",
        type=int,
        default=1,
        help="ingest: `onwatch serve --processes` (one Python process answers HTTP on one core)",
    )
    parser.add_argument(
        "--warmup-alerts",
        type=int,
        default=1000,
        help="ingest: alerts each target takes before the timed run (other alertnames; 0: none)",
    )
    parser.add_argument("--alertnames", type=int, default=10, help="distinct alertnames (groups) under load")
    parser.add_argument(
        "--mixed-batches",
        action="store_true",
        help="ingest: every request mixes all alertnames (per-connection order) instead of one alertname "
        "per request as an Alertmanager notification has",
    )
    parser.add_argument("--latency-samples", type=int, default=200, help="latency: alerts per condition")
    parser.add_argument(
        "--latency-layouts",
        default="auto",
        help=f"comma-separated of {', '.join(LAYOUTS)}; auto = serve if it runs the engine, "
        "else serve+worker,inprocess",
    )
    parser.add_argument("--load-rate", type=float, default=1000, help="latency: background alerts/s")
    parser.add_argument("--load-batch", type=int, default=100, help="latency: background alerts/request")
    parser.add_argument("--timers", type=int, default=10_000, help="timers: pending escalation timers")
    parser.add_argument("--timer-lead", type=float, default=10, help="timers: first due this many s ahead")
    parser.add_argument("--timer-window", type=float, default=10, help="timers: due times spread over s")
    parser.add_argument("--worker-poll", type=float, default=0.2, help="timers: ONWATCH_WORKER_POLL_SECONDS")
    parser.add_argument("--timeout", type=float, default=900, help="time bound of each phase, seconds")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="where to create the bench databases")
    args = parser.parse_args()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if "ingest" in phases and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk)")
    if "ingest" in phases and not Path(ALERTMANAGER).exists():
        parser.error(f"{ALERTMANAGER} is not installed")
    engine_flag = serve_has_engine()
    if args.latency_layouts == "auto":
        layouts = ["serve"] if engine_flag else ["serve+worker", "inprocess"]
    else:
        layouts = [x.strip() for x in args.latency_layouts.split(",")]
    if unknown := set(layouts) - set(LAYOUTS):
        parser.error(f"unknown layout(s) {sorted(unknown)}")
    if "serve" in layouts and not engine_flag:
        parser.error("this build's `onwatch serve` runs no engine: use serve+worker or inprocess")
    cpu_note = CPU_NOTE.format(n=os.cpu_count())
    print(f"note: {cpu_note}")
    print(
        "note: clients: ingest = wrk (Lua script); latency samples, background load and the timer phase's "
        "setup = Python (httpx, in-process AlertIngest)"
    )
    if not engine_flag:
        print(
            "note: this build's `onwatch serve` has no --no-engine flag and runs no engine: ingest uses "
            "plain `serve`, latency uses " + ", ".join(layouts)
        )
    report: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            **versions(args.pg_admin_url),
            "note": cpu_note,
        },
        "git": git_state(),
        "parameters": {
            **{k: v for k, v in vars(args).items() if k != "pg_admin_url"},
            "latency_layouts": {k: LAYOUTS[k] for k in layouts},
            "serve_runs_engine": engine_flag,
            "ingest_client": "wrk, Lua script (one connection per thread)",
            "latency_client": "Python httpx, one keep-alive connection; background load on another",
        },
        "results": {},
    }
    failure: str | None = None
    overflows = listen_overflows()
    with (
        tempfile.TemporaryDirectory(prefix="onwatch-bench-alerts-") as tmp,
        # keep-alive, as real receivers: with one connection per request (the tests' default) the
        # Python sink itself tops out near 900 requests/s here, below the timer phase's 1,000 pages/s
        WebhookSink(keep_alive=True) as sink,
    ):  # backlog 1024: see tests.receivers
        workdir = Path(tmp)
        try:
            run_phases(phases, args, report["results"], workdir, sink, engine_flag, layouts)
        except (BenchError, sa.exc.OperationalError) as exc:
            failure = str(exc)
        report["log_tracebacks"] = tracebacks = log_tracebacks(workdir)
        for name in tracebacks:
            print(f"note: tracebacks in {name}; its end:\n{(workdir / name).read_text()[-1500:]}")
    after = listen_overflows()
    if overflows is not None and after is not None:
        report["listen_overflows_during_run"] = after - overflows
        if after - overflows:
            print(f"note: the kernel dropped {after - overflows} connection(s) on full listen queues")
    report["failure"] = failure
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results written to {RESULTS}")
    if failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
