"""Paging end to end over real HTTP: a uvicorn server, a webhook sink and an SMTP server on loopback,
a real Prometheus Alertmanager, and the official PagerDuty client over TLS."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from onwatch.bootstrap import Onwatch
from tests.live import LiveServer
from tests.paging_helpers import AM_KEY, PD_KEY, PagingBench, make_bench
from tests.receivers import SmtpSink, WebhookSink, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
def live(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    bench = make_bench(onwatch, webhook_sink, smtp_sink)
    with LiveServer(bench.app) as server:
        bench.api = httpx.Client(base_url=server.url, timeout=10)
        yield bench


def test_alert_pages_eoc_on_each_method_in_order_then_imoc_at_15m_then_ack_stops_it(
    live: PagingBench,
) -> None:
    response = live.fire()
    assert response.status_code == 200
    group_id = response.json()["groups"][0]
    assert len(live.pages_to("amara")) == 1 and live.smtp.mails == []
    live.advance(2)
    assert [m.rcpt_tos for m in live.smtp.mails] == [["amara@illumidesk.example"]]
    live.advance(13)
    assert len(live.pages_to("nadia")) == 1
    assert live.client("nadia").post(f"/api/v1/alert-groups/{group_id}/acknowledge").status_code == 200
    live.advance(45)
    assert live.pages_to("grace") == [] and len(live.webhook.requests) == 2 and len(live.smtp.mails) == 1
    live.fire(status="resolved")
    assert live.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "resolved"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, "body"),
        (b'{"version": "4", "alerts": []}', 400, "alerts"),
        (b'{"alerts": [{"status": "firing"}]}', 400, "alerts[0].labels"),
        (b'{"alerts": [{"status": "burning", "labels": {"a": "b"}}]}', 400, "alerts[0].status"),
    ],
)
def test_bad_alertmanager_payloads_are_refused_naming_the_field(
    live: PagingBench, body: bytes, status: int, field: str
) -> None:
    response = live.api.post(f"/api/v1/integrations/alertmanager/{AM_KEY}", content=body)
    assert response.status_code == status
    assert field in [e["field"] for e in response.json()["errors"]]
    assert live.client().get("/api/v1/alert-groups").json() == []


def test_unknown_keys_are_404_and_oversized_payloads_413_and_nothing_is_stored(live: PagingBench) -> None:
    unknown = live.api.post("/api/v1/integrations/alertmanager/not-a-key-not-a-key", json={"alerts": []})
    assert unknown.status_code == 404
    wrong_kind = live.api.post(f"/api/v1/integrations/generic/{AM_KEY}", json={"summary": "x"})
    assert wrong_kind.status_code == 404
    huge = {"alerts": [{"status": "firing", "labels": {"alertname": "x", "pad": "y" * 2_000_000}}]}
    assert live.api.post(f"/api/v1/integrations/alertmanager/{AM_KEY}", json=huge).status_code == 413
    assert live.client().get("/api/v1/alert-groups").json() == []


ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


@pytest.mark.skipif(
    ALERTMANAGER is None,
    reason="prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)",
)
def test_a_real_alertmanager_delivers_alerts_that_page_the_eoc(live: PagingBench, tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        "route:\n  receiver: onwatch\n  group_by: [alertname]\n  group_wait: 0s\n  group_interval: 1s\n"
        "  repeat_interval: 1h\n"
        f"receivers:\n  - name: onwatch\n    webhook_configs:\n"
        f"      - url: {str(live.api.base_url).rstrip('/')}/api/v1/integrations/alertmanager/{AM_KEY}\n"
        "        send_resolved: true\n"
    )
    log = (tmp_path / "alertmanager.log").open("w")
    proc = subprocess.Popen(
        [
            str(ALERTMANAGER),
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    try:
        am = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{am}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            failed = proc.poll() is not None or time.monotonic() > deadline
            assert not failed, (tmp_path / "alertmanager.log").read_text()[-2000:]
            time.sleep(0.1)
        alerts = [
            {
                "labels": {"alertname": "GitPushLatency", "service": "git", "instance": f"gitaly-{i}"},
                "annotations": {"summary": "Git pushes are slow"},
            }
            for i in range(3)
        ]
        assert httpx.post(f"{am}/api/v2/alerts", json=alerts, timeout=5).status_code == 200
        deadline = time.monotonic() + 20
        groups: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            groups = live.client().get("/api/v1/alert-groups").json()
            if groups and groups[0]["alert_count"] == 3:
                break
            time.sleep(0.2)
        assert len(groups) == 1 and groups[0]["alert_count"] == 3 and groups[0]["service"] == "git"
        live.worker.run_once()
        assert len(live.pages_to("amara")) == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_the_official_pagerduty_client_triggers_acknowledges_and_resolves(
    onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    pagerduty = pytest.importorskip("pagerduty")
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile, keyfile, cafile = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(cafile))
    bench = make_bench(onwatch, webhook_sink, smtp_sink)
    with LiveServer(bench.app, certfile=str(certfile), keyfile=str(keyfile)) as server:
        trust = ssl.create_default_context(cafile=str(cafile))
        client = pagerduty.EventsApiV2Client(PD_KEY, base_url=server.url, verify=trust)
        dedup = client.trigger("Registry pulls failing", "registry-1", severity="error", dedup_key="reg-1")
        assert dedup == "reg-1"
        bench.worker.run_once()
        assert len(bench.pages_to("amara")) == 1
        [group] = bench.client().get("/api/v1/alert-groups").json()
        assert (group["service"], group["status"], group["severity"]) == ("api", "triggered", "error")
        client.acknowledge("reg-1")
        assert bench.client().get(f"/api/v1/alert-groups/{group['id']}").json()["status"] == "acknowledged"
        client.resolve("reg-1")
        assert bench.client().get(f"/api/v1/alert-groups/{group['id']}").json()["status"] == "resolved"
        with pytest.raises(pagerduty.Error):
            client.send_event("trigger", payload={"summary": "no source or severity"})
