"""`onwatch user set-password` and `onwatch serve`: the web UI and the status page on the real server."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from tests.e2e.conftest import Cli

pytestmark = pytest.mark.e2e


def test_a_password_set_by_the_cli_signs_in_to_the_served_web_ui(cli: Cli, server: Callable[[], str]) -> None:
    cli("migrate")
    cli("apply-config", "examples/illumidesk.yaml")
    password = cli("user", "set-password", "amara", "--generate").stdout.strip()
    assert len(password) >= 12
    refused = cli("user", "set-password", "nobody", "--generate", ok=False)
    assert refused.returncode != 0 and "unknown person 'nobody'" in refused.stderr
    base = server()
    browser = httpx.Client(base_url=base, timeout=10, follow_redirects=True)
    login = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
    signed_in = browser.post(
        "/login", data={"person": "amara", "password": password, "csrf_token": token, "next": "/"}
    )
    assert (
        signed_in.status_code == 200 and "Amara Okafor" in signed_in.text and "On call now" in signed_in.text
    )
    assert "htmx" in httpx.get(f"{base}/static/htmx.min.js").text[:2000]
    status = httpx.get(f"{base}/status")
    assert status.status_code == 200 and "All Systems Operational" in status.text
    assert httpx.get(f"{base}/status/api/v2/summary.json").json()["status"]["indicator"] == "none"
