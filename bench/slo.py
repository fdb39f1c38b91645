"""SLO evaluation cycle: 500 services x 2 SLIs (error ratio, Apdex) x 4 windows (+ the 1-minute
condition window), from pushed samples and from a real Prometheus holding the same data.

Run: .venv/bin/python -m bench.slo [--services 500] [--cycles 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.prometheus_helpers import (
    PrometheusServer,
    aligned,
    missing_prometheus,
    queries,
    write_history,
)

from onwatch.bootstrap import build
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.db import migrate
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from onwatch.settings import Settings
from onwatch.slo.store import Sample, SloRepository

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "slo.json"
PERIOD = timedelta(seconds=30)
HISTORY = timedelta(hours=6, minutes=15)
STEP = timedelta(seconds=30)
PER_STEP = 8 * 30  # 8 requests/s


def service_ids(n: int) -> list[str]:
    return [f"svc-{i:03d}" for i in range(n)]


def bad(sid: str) -> bool:
    """Every tenth service fails 1 % of its requests in the last 10 minutes (transitions happen)."""
    return int(sid[-3:]) % 10 == 0


def make_error_ratio(end: datetime) -> Any:
    def ratio(sid: str, at: datetime) -> float:
        return 0.01 if bad(sid) and at > end - timedelta(minutes=10) else 0.0

    return ratio


def config_text(ids: list[str], source: str, prometheus_url: str | None) -> str:
    lines = [
        "organisation: {name: Bench}",
        "people:",
        "  ann: {name: Ann, email: ann@bench.example, contact_methods: [{type: webhook, url: 'http://127.0.0.1:9/'}]}",
        "escalation_policies:",
        "  default: {name: Default, steps: [{targets: [{person: ann}]}]}",
        "integrations:",
        "  slo: {type: generic, key: bench-slo-key-0123456789, service: "
        + ids[0]
        + ", escalation_policy: default}",
        "slo:",
        "  integration: slo",
    ]
    if prometheus_url:
        lines.append(f"  prometheus: {{url: '{prometheus_url}', timeout: 10s}}")
    lines.append("services:")
    for sid in ids:
        extra = ""
        if source == "prometheus":
            block = ", ".join(f"{k}: '{v}'" for k, v in queries(sid).items())
            extra = f", prometheus: {{{block}}}"
        lines.append(
            f"  {sid}: {{name: {sid}, slo: {{apdex: 0.998, error_ratio: 0.9995, source: {source}{extra}}}}}"
        )
    return "\n".join(lines) + "\n"


def load_samples(db: Database, ids: list[str], start: datetime, end: datetime) -> int:
    ratio = make_error_ratio(end)
    total = 0
    steps = int((end - start) / STEP)
    for chunk in range(0, len(ids), 50):
        rows = []
        for sid in ids[chunk : chunk + 50]:
            for i in range(1, steps + 1):
                at = start + i * STEP
                errors = PER_STEP * ratio(sid, at)
                rows.append(Sample(sid, at, PER_STEP, errors, PER_STEP - errors, 0))
        with db.write() as uow:
            uow.repo(SloRepository).add_samples(rows, end)
        total += len(rows)
    return total


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_cycles(
    db: Database, text: str, end: datetime, cycles: int, prometheus_pid: int | None
) -> dict[str, Any]:
    """Each cycle runs exactly what the engine runs: one pass over the due `slo_evaluate` timer."""
    clock = FakeClock(end - cycles * PERIOD)
    apply_config(db, load_config(text), now=clock.now(), applied_by="bench")
    worker = build(bench_settings(db.url), clock, engine=db.engine).worker(channels={})
    walls, cpus, prom_cpus, holds = [], [], [], []
    states: dict[str, int] = {}
    for _ in range(cycles):
        clock.advance(PERIOD)
        wall, cpu = time.perf_counter(), self_cpu()
        prom = cpu_of(prometheus_pid) if prometheus_pid else 0.0
        # what the worker does before its pass: Prometheus is asked outside the write transaction
        worker.kinds.prepare(db, clock.now())
        in_transaction = time.perf_counter()
        ran = worker.run_timers()
        holds.append(time.perf_counter() - in_transaction)
        walls.append(time.perf_counter() - wall)
        cpus.append(self_cpu() - cpu)
        prom_cpus.append((cpu_of(prometheus_pid) - prom) if prometheus_pid else 0.0)
        if ran != 1:
            raise RuntimeError(f"expected one slo_evaluate timer per cycle, ran {ran}")
    with db.read() as uow:
        for record in uow.repo(SloRepository).states().values():
            states[record.tracker.state.value] = states.get(record.tracker.state.value, 0) + 1
    return {
        "cycles": cycles,
        "cycle_seconds_mean": round(sum(walls) / len(walls), 4),
        "cycle_seconds_max": round(max(walls), 4),
        "cycle_seconds_min": round(min(walls), 4),
        "write_transaction_seconds_mean": round(sum(holds) / len(holds), 4),
        "write_transaction_seconds_max": round(max(holds), 4),
        "onwatch_cpu_seconds_mean": round(sum(cpus) / len(cpus), 4),
        "prometheus_cpu_seconds_mean": round(sum(prom_cpus) / len(prom_cpus), 4) if prometheus_pid else None,
        "overran_period": max(walls) > PERIOD.total_seconds(),
        "final_states": states,
    }


def bench_settings(url: str) -> Settings:
    return Settings.model_construct(database_url=url, public_url="http://onwatch.test")


def fresh_database(backend: str, workdir: Path) -> tuple[Database, Any]:
    """A migrated database (built through bootstrap) and what drops it afterwards, or None."""
    if backend == "sqlite":
        db = build(bench_settings(f"sqlite:///{workdir / f'bench-{time.monotonic_ns()}.db'}")).db
        migrate.upgrade(db.engine)
        return db, None
    from tests.databases import PostgresTemplates

    run = PostgresTemplates()
    db = build(bench_settings(run.fresh())).db
    return db, run


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--cycles", type=int, default=20, help="evaluation cycles per run (30 s apart)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    ids = service_ids(args.services)
    end = aligned(datetime.now(UTC)) - timedelta(minutes=10)
    start = end - HISTORY
    results: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="onwatch-bench-slo-") as tmp:
        workdir = Path(tmp)
        for backend in args.backends.split(","):
            try:
                db, cleanup = fresh_database(backend, workdir)
            except Exception as exc:
                skipped[f"pushed/{backend}"] = str(exc).splitlines()[0]
                continue
            try:
                began = time.perf_counter()
                rows = load_samples(db, ids, start, end)
                print(
                    f"pushed/{backend}: {rows} samples loaded in {time.perf_counter() - began:.1f} s",
                    flush=True,
                )
                result = run_cycles(db, config_text(ids, "pushed", None), end, args.cycles, None)
                results.append({"source": "pushed", "backend": backend, "samples": rows, **result})
                print(f"  {json.dumps(result)}", flush=True)
            finally:
                db.dispose()
                if cleanup is not None:
                    cleanup.drop_all()
        reason = missing_prometheus()
        if reason:
            skipped["prometheus"] = reason
        else:
            history = workdir / "history.om"
            written = write_history(history, ids, start, end, make_error_ratio(end), step=STEP)
            print(f"prometheus: {written} samples; promtool loading ...", flush=True)
            with PrometheusServer(workdir / "prom", history) as prom:
                print(f"  loaded in {prom.load_seconds:.1f} s", flush=True)
                assert prom._proc is not None
                for backend in args.backends.split(","):
                    try:
                        db, cleanup = fresh_database(backend, workdir)
                    except Exception as exc:
                        skipped[f"prometheus/{backend}"] = str(exc).splitlines()[0]
                        continue
                    try:
                        text = config_text(ids, "prometheus", prom.url)
                        result = run_cycles(db, text, end, args.cycles, prom._proc.pid)
                        results.append(
                            {
                                "source": "prometheus",
                                "backend": backend,
                                "samples": written,
                                "promtool_load_seconds": round(prom.load_seconds, 1),
                                **result,
                            }
                        )
                        print(f"prometheus/{backend}: {json.dumps(result)}", flush=True)
                    finally:
                        db.dispose()
                        if cleanup is not None:
                            cleanup.drop_all()
    print()
    print(
        f"{'source':<11} {'backend':<11} {'mean s':>8} {'max s':>8} {'in tx max':>9} {'cpu s':>7} "
        f"{'prom cpu':>9}  overran 30 s"
    )
    for r in results:
        prom_cpu = (
            "-" if r["prometheus_cpu_seconds_mean"] is None else f"{r['prometheus_cpu_seconds_mean']:.3f}"
        )
        print(
            f"{r['source']:<11} {r['backend']:<11} {r['cycle_seconds_mean']:>8.3f} "
            f"{r['cycle_seconds_max']:>8.3f} {r['write_transaction_seconds_max']:>9.3f} "
            f"{r['onwatch_cpu_seconds_mean']:>7.3f} {prom_cpu:>9}"
            f"  {r['overran_period']}"
        )
    report = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "parameters": {
            "services": args.services,
            "slis": ["error_ratio", "apdex"],
            "windows": ["1m (condition)", "5m", "30m", "1h", "6h"],
            "cycles": args.cycles,
            "period_seconds": PERIOD.total_seconds(),
            "history": str(HISTORY),
            "sample_step_seconds": STEP.total_seconds(),
        },
        "results": results,
        "skipped": skipped,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results written to {RESULTS}")
    return 1 if any(r["overran_period"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
