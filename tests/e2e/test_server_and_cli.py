"""A user's first session: configure with the CLI, run an incident over real HTTP and the CLI."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Cli
from tests.paging_helpers import AM_KEY
from tests.receivers import WebhookSink

pytestmark = pytest.mark.e2e


def test_configure_serve_and_run_an_incident_from_api_and_cli(cli: Cli, server: Callable[[], str]) -> None:
    assert "database at revision" in cli("migrate").stdout
    preview = cli("apply-config", "examples/illumidesk.yaml", "--dry-run").stdout
    assert "+ services.web: Web" in preview and "dry run" in preview
    assert "applied revision 1" in cli("apply-config", "examples/illumidesk.yaml").stdout
    assert cli("apply-config", "examples/illumidesk.yaml").stdout.strip() == "configuration unchanged"
    token = cli("token", "create", "--role", "responder", "--person", "amara").stdout.strip()
    assert token.startswith("onw_")

    base = server()
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert httpx.get(f"{base}/docs").status_code == 200
    declared = api.post(
        "/api/v1/incidents", json={"title": "Git pushes hang", "severity": 2, "services": ["git"]}
    )
    assert declared.status_code == 201, declared.text
    n = declared.json()["id"]

    cli("incident", "engage", str(n), "eoc", "--as", "lukas")
    assert api.get(f"/api/v1/incidents/{n}").json()["owner"] == "lukas"
    refused = cli("incident", "resolve", str(n), "--as", "amara", ok=False)
    assert refused.returncode == 1
    assert "only the owner, lukas, can resolve this incident" in refused.stderr
    cli("incident", "state", str(n), "identified", "--as", "lukas")
    cli("incident", "note", str(n), "rolled back gitaly config", "--as", "lukas")
    assert "paged the CMOC" in cli("incident", "page", str(n), "cmoc", "--as", "lukas").stdout
    assert "already paged" in cli("incident", "page", str(n), "cmoc", "--as", "lukas", ok=False).stderr
    cli("incident", "update", str(n), "A fix is rolling out.", "--as", "lukas")
    assert [u["body"] for u in api.get(f"/api/v1/incidents/{n}/updates").json()] == ["A fix is rolling out."]
    cli("incident", "resolve", str(n), "--as", "lukas")
    assert "the EOC is paged" in cli("report", "Pages deploys are stuck", "--as", "maria").stdout

    shown = cli("incident", "show", str(n)).stdout
    assert "state     resolved" in shown and "status    Operational" in shown
    assert "[api   ] amara" in shown and "[cli   ] lukas        rolled back gitaly config" in shown
    # (delivery outcomes interleave as the engine delivers: the demo's mail server is not there)
    kinds = [
        e["kind"] for e in api.get(f"/api/v1/incidents/{n}/timeline").json() if "deliver" not in e["kind"]
    ]
    assert kinds[:5] == ["declared", "imoc_required", "paged", "paged", "announced"]
    # resolving posts the final public update, stands down the IMOC and CMOC pages nobody
    # acknowledged, and opens the review an S2 must have
    assert kinds[-6:] == [
        "state_changed",
        "status_changed",
        "public_update",
        "alerts_resolved",
        "alerts_resolved",
        "review",
    ]


def test_an_invalid_config_from_the_cli_names_each_path_and_applies_nothing(
    cli: Cli, tmp_path: object
) -> None:
    from pathlib import Path

    cli("migrate")
    bad = Path(str(tmp_path)) / "bad.yaml"
    bad.write_text(
        "organisation: {name: Acme}\n"
        "services:\n  web: {name: Web, slo: {apdex: 2}}\n"
        "teams:\n  sre: {name: SRE, members: [ghost]}\n"
    )
    result = cli("apply-config", str(bad), ok=False)
    assert result.returncode == 1
    assert "services.web.slo.apdex: must be between 0 and 1" in result.stderr
    assert "nothing was applied" in result.stderr
    declare = cli("declare", "x", "--as", "amara", ok=False)
    assert "unknown person 'amara'" in declare.stderr


def test_serve_runs_the_engine_so_an_alert_pages_the_eoc_over_https(
    cli: Cli, server: Callable[..., str], webhook_sink: WebhookSink, tmp_path: Path
) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile, keyfile, cafile = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(cafile))
    cli.demo_paging(webhook_sink, tmp_path)
    base = server("--tls-cert", str(certfile), "--tls-key", str(keyfile))
    assert base.startswith("https://")
    trust = ssl.create_default_context(cafile=str(cafile))
    body = {
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "HighErrorRate", "service": "web"},
                "annotations": {"summary": "5xx above 2%"},
            }
        ]
    }
    sent = httpx.post(
        f"{base}/api/v1/integrations/alertmanager/{AM_KEY}", json=body, verify=trust, timeout=10
    )
    assert sent.status_code == 200, sent.text
    [page] = webhook_sink.wait_for(lambda requests: len(requests) >= 1, timeout=10)
    assert page.json["notification"]["kind"] == "page" and page.idempotency_key.startswith("page:")
