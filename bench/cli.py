"""CPU time of the CLI at 3 a.m.: `onwatch --help`, and `onwatch ack N` / `onwatch whoami` with an
API token against `onwatch serve` on a SQLite demo database (the responder's laptop: no database).

Each command runs `--runs` times as a fresh process; CPU is user + system time of the child
(resource.getrusage), the median reported, with an empty Python process (`python -c pass`) and
the full application's help (`python -m onwatch.cli.main --help`, what `onwatch --help` cost
before the quick help) as baselines measured in the same run. Target: <= 0.3 s each. The server's
CPU is not the CLI's and is not counted; `onwatch ack 1 --as amara` (on the database, the whole
application loaded) is measured beside it for comparison.

Run: .venv/bin/python -m bench.cli [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "illumidesk.yaml"
RESULTS = ROOT / "bench" / "results" / "cli.json"
ONWATCH = str(Path(sys.executable).parent / "onwatch")
TARGET = 0.3


def cpu_of(command: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one run of `command` (it must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_cpu(command: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    samples = [cpu_of(command, env) for _ in range(runs)]
    return {"median_s": round(statistics.median(samples), 3), "min_s": round(min(samples), 3)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`onwatch serve --no-engine` on a free port, answering /healthz."""
    port = free_port()
    proc = subprocess.Popen(
        [ONWATCH, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-engine"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("onwatch serve did not answer /healthz within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="onwatch-bench-cli-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONWATCH_")}
        env["ONWATCH_DATABASE_URL"] = f"sqlite:///{tmp}/onwatch.db"
        for step in (["migrate"], ["apply-config", str(CONFIG)]):
            subprocess.run([ONWATCH, *step], env=env, check=True, capture_output=True)
        # one alert group to acknowledge: each `ack` run acknowledges it again (a no-op, same work)
        seed = (
            "from onwatch.bootstrap import build\n"
            "ow = build()\n"
            "from onwatch.alerts.sources.generic import parse\n"
            "from datetime import UTC, datetime\n"
            "integ = ow.ingest.integration('demo-generic-webhook-key-0001', 'generic')\n"
            "ow.ingest.ingest(integ, parse({'summary': 'bench', 'dedup_key': 'b1'}, datetime.now(UTC)))\n"
        )
        subprocess.run([sys.executable, "-c", seed], env=env, check=True, capture_output=True)
        token = subprocess.run(
            [ONWATCH, "token", "create", "--role", "responder", "--person", "amara"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        server, base = start_server(env)
        # the responder's laptop: the token and the server's URL, no database
        laptop = {
            "PATH": env.get("PATH", "/usr/bin:/bin"),
            "ONWATCH_TOKEN": token,
            "ONWATCH_PUBLIC_URL": base,
        }
        try:
            measured = {
                "python -c pass (floor)": median_cpu([sys.executable, "-c", "pass"], env, args.runs),
                "full application help (before)": median_cpu(
                    [sys.executable, "-m", "onwatch.cli.main", "--help"], env, args.runs
                ),
                "onwatch --help": median_cpu([ONWATCH, "--help"], env, args.runs),
                "onwatch ack 1": median_cpu([ONWATCH, "ack", "1"], laptop, args.runs),
                "onwatch whoami": median_cpu([ONWATCH, "whoami"], laptop, args.runs),
                "ack 1 --as amara on the database (for comparison)": median_cpu(
                    [ONWATCH, "ack", "1", "--as", "amara"], env, args.runs
                ),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    before = measured["full application help (before)"]["median_s"]
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus",
        "runs": args.runs,
        "target_s": TARGET,
        "cpu": measured,
        "ratios_to_full_help": {k: round(v["median_s"] / before, 3) for k, v in measured.items() if before},
        "within_target": {k: v["median_s"] <= TARGET for k, v in measured.items() if k.startswith("onwatch")},
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
