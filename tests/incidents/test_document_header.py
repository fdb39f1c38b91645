"""The working document's header follows the incident's state (and status, severity, title, owner):
onwatch writes a new version with the header rendered again; what responders wrote is kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import process_bench
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def test_the_document_header_follows_state_and_status_and_keeps_what_people_wrote(bench: PagingBench) -> None:
    amara = bench.client("amara")
    n = amara.post("/api/v1/incidents", json={"title": "Registry slow", "severity": "S3"}).json()["id"]
    first = amara.get(f"/api/v1/incidents/{n}/document").json()
    assert "| State | Investigating |" in first["body"]
    written = first["body"].replace(
        "_What is happening, who is affected, since when._", "Pulls time out in eu-west."
    )
    saved = amara.put(
        f"/api/v1/incidents/{n}/document", json={"body": written, "base_version": first["version"]}
    )
    assert saved.status_code == 200, saved.text
    amara.post(f"/api/v1/incidents/{n}/state", json={"state": "identified"})
    amara.post(f"/api/v1/incidents/{n}/status", json={"status": "partial_service_disruption"})
    latest = amara.get(f"/api/v1/incidents/{n}/document").json()
    assert (
        "| State | Identified |" in latest["body"]
        and "| Status | Partial Service Disruption |" in latest["body"]
    )
    assert "Pulls time out in eu-west." in latest["body"]
    assert latest["author"] == "onwatch" and latest["version"] == 4
