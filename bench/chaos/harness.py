"""What the chaos scenarios share: private PostgreSQL clusters on the suite's own ports, real
`onwatch serve` / `onwatch worker` processes, the demo organisation paging a loopback webhook sink,
and the figures every scenario reports (answered, stored, lost, groups, unpaged, redelivered).

Clients are in clients.py, server memory sampling in memory.py."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import sqlalchemy as sa
from tests.conftest import DEMO_CONFIG
from tests.paging_helpers import everyone_on_webhook
from tests.pg_cluster import PrivateCluster, unavailable_reason
from tests.receivers import WebhookSink

from bench.chaos.clients import Clients, percentile
from onwatch.db.connect import create_engine

ROOT = Path(__file__).resolve().parents[2]
ONWATCH = str(Path(sys.executable).with_name("onwatch"))
PORTS = range(55420, 55440)  # the chaos suite's private clusters and servers listen here
_taken: set[int] = set()


def suite_port() -> int:
    """A free port of the suite's range (never handed out twice in one run)."""
    for port in PORTS:
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def cluster(options: str = "") -> PrivateCluster:
    """A started private cluster (initdb on a suite port)."""
    if reason := unavailable_reason():
        raise SystemExit(f"cannot run: {reason}")
    private = PrivateCluster(suite_port(), options)
    private.start()
    return private


def create_database(cluster: PrivateCluster, name: str = "onwatch") -> None:
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')


def replicate_synchronously(primary: PrivateCluster) -> None:
    """Commits on `primary` wait for its (one, connected) standby from now on: set in the primary's
    own postgresql.auto.conf, so the standby, once promoted, does not wait for a standby it lacks."""
    dsn = f"postgresql://postgres@127.0.0.1:{primary.port}/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
        conn.execute("SELECT pg_reload_conf()")
        wait_until(
            lambda: conn.execute("SELECT sync_state FROM pg_stat_replication").fetchall() == [("sync",)],
            30,
            "the standby to replicate synchronously",
        )


def demo_config(sink: WebhookSink, *, eoc_for: str = "15m", imoc_for: str = "15m") -> str:
    """The demo organisation, everyone paged by webhook at `sink`; the EOC step lasts `eoc_for`
    before the IMOC is paged, the IMOC's `imoc_for` before the director."""
    text = everyone_on_webhook(DEMO_CONFIG.read_text(), sink)
    text = text.replace(
        "      - targets: [{role: eoc}]\n        delay: 15m",
        f"      - targets: [{{role: eoc}}]\n        delay: {eoc_for}",
    )
    return text.replace(
        "      - targets: [{role: imoc}]\n        delay: 15m",
        f"      - targets: [{{role: imoc}}]\n        delay: {imoc_for}",
    )


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    base: str = ""  # a server's URL

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tail(self, chars: int = 2000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@dataclass
class Onwatch:
    """onwatch processes on one database URL (a libpq URL; multi-host allowed)."""

    url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONWATCH_")}
        return env | {
            "ONWATCH_DATABASE_URL": self.url,
            "ONWATCH_WORKER_POLL_SECONDS": "0.2",
            **self.extra_env,
        }

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [ONWATCH, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=180
        )
        if done.returncode != 0:
            raise AssertionError(f"onwatch {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def prepare(self, config: str) -> None:
        """Migrate and apply `config`."""
        path = self.workdir / "onwatch.yaml"
        path.write_text(config)
        self.cli("migrate")
        self.cli("apply-config", str(path))

    def _spawn(self, name: str, args: list[str]) -> Process:
        log = self.workdir / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                [ONWATCH, *args], env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def serve(self, port: int, *, engine: bool = False, name: str = "serve") -> Process:
        """`onwatch serve` on `port`, once its /healthz answers 200."""
        args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"]
        process = self._spawn(name, [*args, "--engine" if engine else "--no-engine"])
        process.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise AssertionError(f"onwatch serve exited:\n{process.tail()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{process.base}/healthz", timeout=2).status_code == 200:
                    return process
            time.sleep(0.1)
        raise AssertionError(f"onwatch serve did not become healthy:\n{process.tail()}")

    def worker(self, name: str = "worker") -> Process:
        return self._spawn(name, ["worker"])

    def stop(self) -> None:
        for p in self.processes:
            if p.popen.poll() is None:
                p.popen.terminate()
        for p in self.processes:
            try:
                p.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.popen.kill()
                p.popen.wait()


@contextlib.contextmanager
def workdir(name: str) -> Iterator[Path]:
    """A temporary directory for the scenario's config and process logs; kept (and named) when
    ONWATCH_CHAOS_KEEP is set."""
    if os.environ.get("ONWATCH_CHAOS_KEEP"):
        kept = Path(tempfile.mkdtemp(prefix=f"onwatch-chaos-{name}-"))
        print(f"logs in {kept}", flush=True)
        yield kept
        return
    with tempfile.TemporaryDirectory(prefix=f"onwatch-chaos-{name}-") as path:
        yield Path(path)


# ---- what was stored and paged ------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    keys: set[str]  # dedup keys of the alerts stored
    groups: set[int]  # alert groups


def stored(url: str) -> Stored:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            keys = set(conn.execute(sa.text("SELECT dedup_key FROM alerts")).scalars())
            groups = set(conn.execute(sa.text("SELECT id FROM alert_groups")).scalars())
    finally:
        engine.dispose()
    return Stored(keys, groups)


@dataclass(frozen=True)
class Pages:
    delivered: Counter[str]  # accepted (2xx) deliveries per idempotency key
    groups: set[int]  # groups at least one page was delivered for
    steps: Counter[str]  # distinct keys per (group, escalation, step): a page decided twice shows as 2

    @property
    def redelivered(self) -> int:
        """Deliveries of a key the sink had already accepted (at-least-once: same key, sent again)."""
        return sum(n - 1 for n in self.delivered.values())

    @property
    def decided_twice(self) -> int:
        return sum(1 for n in self.steps.values() if n > 1)


def pages(sink: WebhookSink) -> Pages:
    delivered: Counter[str] = Counter()
    groups: set[int] = set()
    for r in sink.requests:
        if 200 <= r.status < 300 and (group := r.paged_group) is not None and r.idempotency_key:
            delivered[r.idempotency_key] += 1
            groups.add(group)
    steps = Counter(":".join(key.split(":")[1:4]) for key in delivered)
    return Pages(delivered, groups, steps)


def wait_until(
    condition: Callable[[], object],
    timeout: float,
    what: str,
    every: float = 0.25,
    detail: Callable[[], str] | None = None,
) -> float:
    """Wait for `condition()` to hold; returns the seconds it took. AssertionError on timeout (with
    `detail()` appended: what was seen instead)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            seen = f": {detail()}" if detail else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{seen}")
        time.sleep(every)
    return time.monotonic() - started


def figure(text: str) -> None:
    """A line of the scenario's report (the runner collects them)."""
    print(f"figure: {text}", flush=True)


def account(clients: Clients, url: str, sink: WebhookSink, *, steps: int) -> dict[str, object]:
    """What the clients were promised against what is stored and paged; asserts 0 lost, 0 unpaged
    and no page decided twice (a key delivered twice is counted, not refused: at-least-once).
    `steps`: pages expected per group (the escalation steps reached)."""
    found = stored(url)
    paged = pages(sink)
    lost = clients.answered - found.keys
    unpaged = found.groups - paged.groups
    per_group = Counter(step.split(":")[0] for step in paged.steps)
    short = sum(1 for g in found.groups if per_group[str(g)] < steps)
    figures = {
        "notifications_answered": clients.notifications,
        "alerts_answered": len(clients.answered),
        "alerts_stored": len(found.keys),
        "lost": len(lost),
        "groups": len(found.groups),
        "unpaged": len(unpaged),
        "groups_missing_a_step": short,
        "pages_delivered": len(paged.delivered),
        "redelivered_same_key": paged.redelivered,
        "decided_twice": paged.decided_twice,
        "statuses": dict(sorted(clients.statuses.items())),
        "no_answer": clients.transport_errors,
        "abandoned": clients.abandoned,
        "p99_answer_s": round(percentile(clients.latencies, 99), 3),
    }
    figure(
        f"{len(clients.answered)} alerts answered 2xx, {len(lost)} lost; {len(found.groups)} groups, "
        f"{len(unpaged)} unpaged; {len(paged.delivered)} pages, {paged.redelivered} redelivered "
        f"with the same key, {paged.decided_twice} decided twice"
    )
    assert not lost, f"{len(lost)} answered alerts lost, e.g. {sorted(lost)[:5]}"
    assert not unpaged, f"{len(unpaged)} groups never paged, e.g. {sorted(unpaged)[:5]}"
    assert not short, f"{short} groups missed an escalation step"
    assert not paged.decided_twice, f"{paged.decided_twice} pages decided twice (two keys for one step)"
    return figures


def bounded(rss_peak: float, limit: float = 600.0) -> None:
    figure(f"server RSS peak {rss_peak:.0f} MiB (limit {limit:.0f})")
    assert rss_peak < limit, f"server RSS peaked at {rss_peak:.0f} MiB"


def run_scenario(body: Callable[[], dict[str, object]]) -> int:
    """Run a scenario's body; print its measurements as the last line (`result: {json}`), the
    runner's record. Exit status 0 if every assertion held."""

    def terminated(signum: int, _frame: object) -> None:
        raise SystemExit(f"terminated by signal {signum}")  # so clusters and processes are removed

    signal.signal(signal.SIGTERM, terminated)
    try:
        measured = body()
    except AssertionError as exc:
        traceback.print_exc()
        print("result: " + json.dumps({"ok": False, "error": str(exc)[:2000]}), flush=True)
        return 1
    print("result: " + json.dumps({"ok": True, **measured}), flush=True)
    return 0
