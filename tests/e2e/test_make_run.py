"""README's "First page in five minutes", as a new user runs it: `make run`, an alert to the demo's
generic integration, the page in the demo inbox (/demo/inbox), then Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ROOT, free_port
from tests.web_helpers import csrf_of

pytestmark = pytest.mark.e2e

GENERIC = "/api/v1/integrations/generic/demo-generic-webhook-key-0001"
PASSWORD = "demo-e2e-make-run"


def _wait_for(base: str, proc: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"make run exited {proc.returncode}:\n{proc.stdout.read() if proc.stdout else ''}"
            )
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("make run did not answer /healthz in time")


def test_make_run_pages_the_on_call_into_the_demo_inbox(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONWATCH_")}
    env["ONWATCH_DATABASE_URL"] = f"sqlite:///{tmp_path}/onwatch.db"
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", "HOST=127.0.0.1", f"PORT={port}", f"DEMO_PASSWORD={PASSWORD}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, proc, 120)
        sent = httpx.post(
            f"{base}{GENERIC}", json={"summary": "Checkout 5xx above 2%", "dedup_key": "mk"}, timeout=10
        )
        assert sent.status_code == 202, sent.text
        with httpx.Client(base_url=base, timeout=10) as browser:
            signed_in = browser.post(
                "/login",
                data={
                    "person": "amara",
                    "password": PASSWORD,
                    "csrf_token": csrf_of(browser.get("/login").text),
                },
            )
            assert signed_in.status_code in (200, 303), signed_in.text
            deadline, inbox = time.monotonic() + 30, ""
            while time.monotonic() < deadline and "Checkout 5xx above 2%" not in inbox:
                time.sleep(0.5)
                inbox = browser.get("/demo/inbox").text
        assert "Checkout 5xx above 2%" in inbox and "page by email to" in inbox, inbox[-2000:]
        # the links in the page are the server's, from HOST and PORT
        assert re.search(rf'href="{re.escape(base)}/a/[^"]+"', inbox)
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal: make and the server it runs
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert f"onwatch on http://127.0.0.1:{port}" in out
    assert "Traceback" not in out, out[-3000:]
