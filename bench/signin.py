"""API latency while clients guess web passwords in parallel (issue 21: 8 -> 247 ms median before).

Starts `onwatch serve --no-engine` on a fresh SQLite database with the demo config, then for each
scenario measures GET /api/v1/incidents (one client, 20 requests/s) while `--guessers` clients post
wrong passwords to /login as fast as they can:

- idle: nobody guesses (the baseline)
- login-page: the guessers only GET /login (the floor: what that many clients cost any page)
- one-address: the guessers share one address (the throttle answers 429 after 30 failures)
- many-addresses: every guess claims another address through X-Forwarded-For (uvicorn trusts it from
  loopback), as a botnet would: only the hashing pool's bound protects the API

Run: .venv/bin/python -m bench.signin [--guessers 32] [--seconds 15]
Results: bench/results/signin.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "signin.json"
SCENARIOS = ("idle", "login-page", "one-address", "many-addresses")
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    command = [sys.executable, "-m", "onwatch.cli.main", *args]
    return subprocess.run(command, env=env, input=stdin, capture_output=True, text=True, check=True).stdout


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _guesser(base: str, scenario: str, stop: threading.Event, answers: dict[int, int], n: int) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        csrf = _CSRF.search(client.get("/login").text)
        assert csrf is not None
        while not stop.is_set():
            if scenario == "login-page":
                status = client.get("/login").status_code
            else:
                headers = {}
                if scenario == "many-addresses":
                    headers["X-Forwarded-For"] = ".".join(str(random.randrange(1, 255)) for _ in range(4))
                form = {"person": random.choice(["amara", "lukas", f"nobody-{n}"]),
                        "password": f"guess {random.random()}", "csrf_token": csrf.group(1)}  # fmt: skip
                status = client.post("/login", data=form, headers=headers).status_code
            answers[status] = answers.get(status, 0) + 1


def scenario(base: str, token: str, name: str, guessers: int, seconds: float) -> dict[str, Any]:
    stop, answers = threading.Event(), dict[int, int]()
    threads = [
        threading.Thread(target=_guesser, args=(base, name, stop, answers, n), daemon=True)
        for n in range(0 if name == "idle" else guessers)
    ]
    for t in threads:
        t.start()
    time.sleep(2)  # the guessers are under way
    latencies = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            start = time.perf_counter()
            api.get("/api/v1/incidents").raise_for_status()
            latencies.append((time.perf_counter() - start) * 1000)
            time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    latencies.sort()
    return {
        "scenario": name,
        "api_median_ms": round(statistics.median(latencies), 1),
        "api_p90_ms": round(latencies[int(len(latencies) * 0.9)], 1),
        "api_requests": len(latencies),
        "sign_in_answers": {str(k): v for k, v in sorted(answers.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guessers", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    runs = []
    for name in SCENARIOS:  # a fresh server each: the throttle's memory starts empty
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "ONWATCH_DATABASE_URL": f"sqlite:///{tmp}/onwatch.db"}
            _cli(env, "migrate")
            _cli(env, "apply-config", str(ROOT / "examples" / "illumidesk.yaml"))
            _cli(env, "user", "set-password", "amara", "--stdin", stdin="correct horse battery\n")
            token = _cli(env, "token", "create", "--role", "admin", "--person", "nadia", "--name", "bench")
            port = _free_port()
            server = subprocess.Popen(
                [sys.executable, "-m", "onwatch.cli.main", "serve", "--port", str(port), "--no-engine"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            try:
                for _ in range(150):
                    try:
                        if httpx.get(f"{base}/login").status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.2)
                result = scenario(base, token.strip().split()[-1], name, args.guessers, args.seconds)
            finally:
                server.terminate()
                server.wait(15)
        runs.append(result)
        print(f"{name:15s} API median {result['api_median_ms']:7.1f} ms  p90 {result['api_p90_ms']:7.1f} ms  "
              f"sign-in answers {result['sign_in_answers']}")  # fmt: skip
    RESULTS.write_text(json.dumps({
        "at": datetime.now(UTC).isoformat(), "machine": platform.platform(), "cpus": os.cpu_count(),
        "guessers": args.guessers, "seconds": args.seconds, "runs": runs,
    }, indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
