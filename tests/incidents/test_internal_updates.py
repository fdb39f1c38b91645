"""The incident-management channel carries the internal updates (PROCESS.md §9): every state,
status, severity and role change and every public update; which changes a channel gets is its
`incident_updates`. The advocates' heads-up mentions their Slack user group."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import demo_everyone_on_webhook, posts_to, process_bench
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    bench = process_bench(onwatch, webhook_sink, smtp_sink)
    text = demo_everyone_on_webhook(webhook_sink)
    production = '  production:          {type: slack, name: "#production", '
    assert production in text
    text = text.replace(production, f"{production}incident_updates: [public_updates], ")
    text = text.replace(
        "  advocates_channel: advocates", "  advocates_channel: advocates\n  advocates_handle: S0ADVOCATE"
    )
    apply_config(onwatch.db, load_config(text), now=onwatch.clock.now(), applied_by="tests")
    with running(bench) as running_bench:
        yield running_bench


def test_every_state_status_severity_role_and_public_update_change_reaches_incident_management(
    bench: PagingBench,
) -> None:
    amara = bench.client("amara")
    n = amara.post("/api/v1/incidents", json={"title": "Pages deploys stuck", "severity": "S3"}).json()["id"]
    bench.worker.run_once()
    before = len(posts_to(bench, "incident-management"))
    assert amara.post(f"/api/v1/incidents/{n}/roles/eoc/engage").status_code == 200
    assert amara.post(f"/api/v1/incidents/{n}/state", json={"state": "identified"}).status_code == 200
    status = {"status": "partial_service_disruption"}
    assert amara.post(f"/api/v1/incidents/{n}/status", json=status).status_code == 200
    assert amara.post(f"/api/v1/incidents/{n}/severity", json={"severity": "S2"}).status_code == 200
    update = {"body": "Deploys of Pages sites are delayed."}
    assert amara.post(f"/api/v1/incidents/{n}/updates", json=update).status_code == 201
    bench.worker.run_once()
    posts = posts_to(bench, "incident-management")[before:]
    for expected in (
        "amara engaged as EOC",
        "changed state from investigating to identified",
        "changed status from Degraded Performance to Partial Service Disruption",
        "changed severity from S3 to S2",
        "posted a public update: Deploys of Pages sites are delayed.",
    ):
        assert any(expected in post for post in posts), expected
    production = [p for p in posts_to(bench, "production") if "changed" in p or "engaged" in p]
    assert production == [], "production carries only what its incident_updates ask for"
    assert any("posted a public update" in p for p in posts_to(bench, "production"))


def test_the_advocates_heads_up_mentions_their_slack_user_group(bench: PagingBench) -> None:
    bench.client("amara").post("/api/v1/incidents", json={"title": "Web 5xx", "severity": "S2"})
    bench.worker.run_once()
    [heads_up] = posts_to(bench, "advocates")
    assert "<!subteam^S0ADVOCATE>" in heads_up
