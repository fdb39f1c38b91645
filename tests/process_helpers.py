"""A process test bench: the demo organisation with every person and channel on a loopback webhook,
the API in process, a fake clock and a worker that runs when time moves."""

from __future__ import annotations

from typing import Any

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from tests.conftest import DEMO_CONFIG
from tests.paging_helpers import PagingBench, everyone_on_webhook, make_bench
from tests.receivers import SmtpSink, WebhookSink


def demo_everyone_on_webhook(webhook: WebhookSink) -> str:
    text = everyone_on_webhook(DEMO_CONFIG.read_text(), webhook)
    for channel in ("production", "incident-management", "advocates"):
        text = text.replace(f"http://127.0.0.1:9/hooks/{channel}", f"{webhook.url}?to={channel}")
    return text


def process_bench(ow: Onwatch, webhook: WebhookSink, smtp: SmtpSink) -> PagingBench:
    """At the demo clock (Tue 2026-12-01 09:00Z): EOC amara, IMOC nadia (then the director grace),
    CMOC sofia, security omar. Enter it with `running(bench)`."""
    bench = make_bench(ow, webhook, smtp)
    apply_config(
        ow.db, load_config(demo_everyone_on_webhook(webhook)), now=ow.clock.now(), applied_by="tests"
    )
    return bench


def posts_to(bench: PagingBench, channel: str) -> list[str]:
    """The text of every Slack-format post a channel received (all its blocks, flattened)."""
    return [str(r.json) for r in bench.webhook.requests if f"to={channel}" in r.path and r.status == 200]


def notifications(bench: PagingBench, person: str, kind: str | None = None) -> list[dict[str, Any]]:
    """Notifications delivered to a person by webhook (`kind`: page, reminder, notice, ...)."""
    found = []
    for r in bench.webhook.requests:
        if (
            f"to={person}" in r.path
            and r.status == 200
            and isinstance(r.json, dict)
            and "notification" in r.json
        ):
            note = r.json["notification"]
            if kind is None or note["kind"] == kind:
                found.append(note)
    return found


def timeline(bench: PagingBench, incident_id: int) -> list[dict[str, Any]]:
    return list(bench.client("nadia").get(f"/api/v1/incidents/{incident_id}/timeline").json())


def role_page_group(bench: PagingBench, incident_id: int, role: str) -> int:
    """The alert group carrying the page to `role` for the incident."""
    for e in timeline(bench, incident_id):
        if e["kind"] == "paged" and e["data"].get("role") == role:
            return int(e["data"]["alert_group"])
    raise AssertionError(f"no {role} page on incident {incident_id}")
