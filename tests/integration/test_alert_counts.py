"""Alert-group counters stay exact when many requests join one group at once.

Ingest appends what joins a group to alert_group_counts instead of updating the group's row (so
concurrent writers do not queue on it); readers add the pending counts, and the worker folds them
into the row. What a user sees: the counts on the group, and a group that resolves exactly when its
last alert does.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from onwatch.api.app import create_api
from onwatch.domain.clock import FakeClock
from onwatch.store.tables import alert_group_counts
from onwatch.store.uow import Database
from tests.live import LiveServer
from tests.paging_helpers import GENERIC_KEY, PagingBench, make_bench
from tests.receivers import SmtpSink, WebhookSink

GENERIC = f"/api/v1/integrations/generic/{GENERIC_KEY}"


@pytest.fixture
def bench(db: Database, clock: FakeClock, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> PagingBench:
    return make_bench(db, clock, webhook_sink, smtp_sink)


def _alert(key: str, status: str = "firing") -> dict[str, object]:
    return {"summary": f"disk {key}", "dedup_key": key, "status": status, "labels": {"alertname": "Disk"}}


def _counts(bench: PagingBench, group_id: int) -> tuple[int, int, int]:
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    return group["alert_count"], group["firing_count"], group["event_count"]


def _pending(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(alert_group_counts)).scalar_one())


def test_concurrent_requests_joining_one_group_are_all_counted(
    bench: PagingBench, db: Database, clock: FakeClock
) -> None:
    group_id = bench.api.post(GENERIC, json=_alert("first")).json()["results"][0]["alert_group"]
    app = create_api(db, clock, public_url="http://onwatch.test", ingest_writers=4)

    def send(client: httpx.Client, n: int) -> None:
        # two new alerts, and "first" again: 3 events, 2 alerts, 2 firing per request
        body = {"alerts": [_alert(f"a{n}"), _alert(f"b{n}"), _alert("first")]}
        response = client.post(GENERIC, json=body)
        assert response.status_code == 202, response.text

    with (
        LiveServer(app) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
        ThreadPoolExecutor(max_workers=16) as pool,
    ):
        list(pool.map(lambda n: send(client, n), range(200)))
    expected = (1 + 400, 1 + 400, 1 + 600)
    assert _pending(db) > 0  # counted by appending, not (yet) in the group's row
    assert _counts(bench, group_id) == expected
    bench.worker.run_once()  # folds the appended counts into the group's row
    assert _pending(db) == 0
    assert _counts(bench, group_id) == expected


def test_a_group_resolves_when_its_last_alert_resolves_with_counts_still_pending(bench: PagingBench) -> None:
    group_id = bench.api.post(GENERIC, json=_alert("a")).json()["results"][0]["alert_group"]
    bench.api.post(GENERIC, json={"alerts": [_alert("b"), _alert("c")]})
    assert _counts(bench, group_id) == (3, 3, 3)
    bench.api.post(GENERIC, json={"alerts": [_alert("a", "resolved"), _alert("b", "resolved")]})
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert (group["status"], group["firing_count"], group["event_count"]) == ("triggered", 1, 5)
    bench.api.post(GENERIC, json=_alert("c", "resolved"))
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert (group["status"], group["alert_count"], group["firing_count"], group["event_count"]) == (
        "resolved",
        3,
        0,
        6,
    )


def test_resolving_a_group_by_hand_leaves_nothing_firing(bench: PagingBench) -> None:
    group_id = bench.api.post(GENERIC, json=_alert("a")).json()["results"][0]["alert_group"]
    bench.api.post(GENERIC, json={"alerts": [_alert("b"), _alert("c"), _alert("a")]})
    resolved = bench.client("amara").post(f"/api/v1/alert-groups/{group_id}/resolve")
    assert resolved.status_code == 200, resolved.text
    assert _counts(bench, group_id) == (3, 0, 4)
    bench.worker.run_once()
    assert _counts(bench, group_id) == (3, 0, 4)
