"""A real Prometheus for tests and benchmarks: synthetic request/error/latency history written as
OpenMetrics, loaded with `promtool tsdb create-blocks-from openmetrics`, served by `prometheus` on
a free loopback port (Debian package `prometheus`)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from tests.receivers import free_port

STEP = timedelta(seconds=15)
RATE = 8.0  # requests per second


def missing_prometheus() -> str | None:
    """Why the real-Prometheus tests cannot run here, or None."""
    absent = [tool for tool in ("prometheus", "promtool") if shutil.which(tool) is None]
    if absent:
        return f"{' and '.join(absent)} not installed (Debian package 'prometheus'; .ci/run installs it)"
    return None


def queries(service: str) -> dict[str, str]:
    """The PromQL a service's config uses for the series `write_history` generates."""
    sel = f'service="{service}"'
    fast = f'sum(rate(http_request_duration_seconds_bucket{{{sel},le="0.25"}}[$window]))'
    return {
        "requests": f"sum(rate(http_requests_total{{{sel}}}[$window]))",
        "errors": f'sum(rate(http_requests_total{{{sel},code="500"}}[$window]))',
        "apdex_satisfied": fast,
        "apdex_tolerated": f'sum(rate(http_request_duration_seconds_bucket{{{sel},le="1"}}[$window])) - {fast}',
        "apdex_total": f'sum(rate(http_request_duration_seconds_bucket{{{sel},le="+Inf"}}[$window]))',
    }


ErrorRatio = Callable[[str, datetime], float]  # (service, end of a 15 s step) -> share of errors


def write_history(
    path: Path,
    services: Iterable[str],
    start: datetime,
    end: datetime,
    errors: ErrorRatio,
    step: timedelta = STEP,
) -> int:
    """Counters every `step` from `start` to `end`: RATE requests/s, `errors(...)` of them failing
    (and slow: failed requests take over 1 s, the others under 0.25 s). Returns samples written."""
    ids = list(services)
    steps = int((end - start) / step)
    per_step = RATE * step.total_seconds()
    written = 0
    lines = ["# TYPE http_requests counter"]
    buckets: list[str] = ["# TYPE http_request_duration_seconds_bucket unknown"]
    for sid in ids:
        ok_lines, err_lines, fast_lines, mid_lines, inf_lines = [], [], [], [], []
        ok = bad = 0.0
        for i in range(steps + 1):
            at = start + i * step
            if i:
                failed = per_step * errors(sid, at)
                ok, bad = ok + per_step - failed, bad + failed
            ts = f"{at.timestamp():.3f}"
            ok_lines.append(f'http_requests_total{{service="{sid}",code="200"}} {ok:g} {ts}')
            err_lines.append(f'http_requests_total{{service="{sid}",code="500"}} {bad:g} {ts}')
            fast_lines.append(
                f'http_request_duration_seconds_bucket{{service="{sid}",le="0.25"}} {ok:g} {ts}'
            )
            mid_lines.append(f'http_request_duration_seconds_bucket{{service="{sid}",le="1"}} {ok:g} {ts}')
            inf_lines.append(
                f'http_request_duration_seconds_bucket{{service="{sid}",le="+Inf"}} {ok + bad:g} {ts}'
            )
        lines += ok_lines + err_lines
        buckets += fast_lines + mid_lines + inf_lines
        written += 5 * (steps + 1)
    path.write_text("\n".join([*lines, *buckets, "# EOF", ""]))
    return written


@dataclass
class PrometheusServer:
    """`prometheus` serving the blocks built from an OpenMetrics file; stopped on exit."""

    workdir: Path
    openmetrics: Path
    url: str = ""
    load_seconds: float = 0.0
    _proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PrometheusServer:
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        subprocess.run(
            ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(self.openmetrics), str(data)],
            check=True,
            capture_output=True,
            timeout=900,
        )
        self.load_seconds = time.monotonic() - started
        config = self.workdir / "prometheus.yml"
        config.write_text("global: {}\n")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log = (self.workdir / "prometheus.log").open("wb")
        self._proc = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=30d",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise AssertionError(
                    f"prometheus exited: {(self.workdir / 'prometheus.log').read_text()[-2000:]}"
                )
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("prometheus did not become ready within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()


def aligned(now: datetime, period: timedelta = timedelta(minutes=10)) -> datetime:
    """`now` rounded down, so scenario instants land on the 30 s evaluation grid."""
    epoch = datetime(1970, 1, 1, tzinfo=now.tzinfo)
    return epoch + ((now - epoch) // period) * period
