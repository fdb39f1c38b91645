"""PagerDuty's official client sends a change event (its Change Events API, over TLS as it insists)
to onwatch, which records it on the routing key's service."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import token_for
from tests.live import LiveServer

pytestmark = pytest.mark.e2e

PD_KEY = "demo-pagerduty-routing-key-01"  # the demo's pagerduty integration, on service `api`


def test_the_official_pagerduty_client_sends_a_change_event(
    onwatch: Onwatch, org: OnwatchConfig, clock: FakeClock, tmp_path: Path
) -> None:
    pagerduty = pytest.importorskip("pagerduty")
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile, keyfile, cafile = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(cafile))
    token = token_for(onwatch.db, clock, TokenRole.VIEWER, "lukas")
    with LiveServer(onwatch.api(web=False), certfile=str(certfile), keyfile=str(keyfile)) as server:
        trust = ssl.create_default_context(cafile=str(cafile))
        client = pagerduty.EventsApiV2Client(PD_KEY, base_url=server.url, verify=trust)
        # the payload of PagerDuty's documentation (developer.pagerduty.com, "Send Change Events")
        client.send_change_event(
            payload={
                "summary": "Build Success: Increase snapshot create timeout to 30 seconds",
                "timestamp": "2026-12-07T11:42:06.000Z",
                "source": "acme-build-pipeline-tool-default-i-9999",
                "custom_details": {"build_state": "passed", "build_number": "2", "run_time": "1236s"},
            },
            links=[{"href": "https://acme.pagerduty.dev/build/2", "text": "View more details in Acme!"}],
        )
        with pytest.raises(pagerduty.Error):
            client.send_change_event(payload={"source": "a change without a summary"})
        with httpx.Client(
            base_url=server.url, verify=trust, headers={"Authorization": f"Bearer {token}"}
        ) as api:
            [change] = api.get("/api/v1/changes", params={"q": "snapshot timeout"}).json()
    assert change["service"] == "api"
    assert change["at"].startswith("2026-12-07T11:42:06")
    assert change["source"] == "acme-build-pipeline-tool-default-i-9999"
    assert change["details"] == {"build_state": "passed", "build_number": "2", "run_time": "1236s"}
    assert change["links"] == [
        {"href": "https://acme.pagerduty.dev/build/2", "text": "View more details in Acme!"}
    ]
