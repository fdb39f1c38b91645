"""Alert-group counters stay exact when many requests join one group at once.

Ingest appends what joins a group to alert_group_counts instead of updating the group's row (so
concurrent writers do not queue on it); readers add the pending counts, and the worker folds them
into the row. What a user sees: the counts on the group, and a group that resolves exactly when its
last alert does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest
import sqlalchemy as sa

from onwatch.alerts.store import batch as alert_batch
from onwatch.bootstrap import Onwatch
from onwatch.db.tables import alert_group_counts, alert_groups, config_revisions
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.live import LiveServer
from tests.paging_helpers import GENERIC_KEY, PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink

GENERIC = f"/api/v1/integrations/generic/{GENERIC_KEY}"
GENERIC_INTEGRATION = "webhook"  # the demo config's id of that integration


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


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
    app = bench.onwatch.api()  # a second server process's app, on a live server

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
    if db.dialect == "postgresql":  # the server's event loop wrote (most of) them itself
        assert app.state.ingest_pipeline.fast_lane.committed > 0
    assert _pending(db) > 0  # counted by appending, not (yet) in the group's row
    assert _counts(bench, group_id) == expected
    bench.worker.run_once()  # folds the appended counts into the group's row
    assert _pending(db) == 0
    assert _counts(bench, group_id) == expected


def test_large_requests_at_once_are_written_by_concurrent_statements_and_all_counted(
    bench: PagingBench, db: Database, clock: FakeClock
) -> None:
    group_id = bench.api.post(GENERIC, json=_alert("first")).json()["results"][0]["alert_group"]
    app = bench.onwatch.api()  # a second server process's app, on a live server

    def send(client: httpx.Client, n: int) -> None:
        body = {"alerts": [*(_alert(f"r{n}-{i}") for i in range(60)), _alert("first")]}
        response = client.post(GENERIC, json=body)
        assert response.status_code == 202, response.text
        assert {r["alert_group"] for r in response.json()["results"]} == {group_id}

    with (
        LiveServer(app) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        list(pool.map(lambda n: send(client, n), range(40)))
    if db.dialect == "postgresql":  # batches of 60+ alerts did not wait for the statement in flight
        assert app.state.ingest_pipeline.fast_lane.most_in_flight > 1
    assert _counts(bench, group_id) == (1 + 40 * 60, 1 + 40 * 60, 1 + 40 * 61)
    with db.engine.connect() as conn:  # group ids are not checked by a foreign key (migration 0010)
        orphans = conn.exec_driver_sql(
            "SELECT count(*) FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM alert_groups g WHERE g.id = a.group_id)"
        ).scalar_one()
    assert orphans == 0


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


def test_the_same_new_alert_from_two_replicas_at_once_is_counted_once(
    bench: PagingBench, db: Database
) -> None:
    """Two fast-lane batches insert the same new alert; the second one's lookup ran before the first
    committed (so it saw no alert) and its upsert waited for that commit."""
    if db.dialect != "postgresql":
        pytest.skip("the one-statement fast lane is PostgreSQL's")
    group_id = bench.api.post(GENERIC, json=_alert("a")).json()["results"][0]["alert_group"]
    with db.engine.connect() as conn:
        group_key = conn.execute(
            sa.select(alert_groups.c.group_key).where(alert_groups.c.id == group_id)
        ).scalar_one()
        revision = conn.execute(sa.select(sa.func.max(config_revisions.c.id))).scalar_one()
    row = {"k": "same", "gk": group_key, "s": "disk same", "v": "warning", "o": "", "l": {}, "d": {}, "n": 1}
    now = bench.clock.now()

    async def race() -> None:
        first = await _connect(db, autocommit=False)
        second = await _connect(db, autocommit=True)
        try:
            found = await alert_batch.triggers_in_open_groups(
                first, GENERIC_INTEGRATION, [row], now, revision
            )
            assert found == {"same": (group_id, None)}
            waiting = asyncio.ensure_future(
                alert_batch.triggers_in_open_groups(second, GENERIC_INTEGRATION, [row], now, revision)
            )
            await asyncio.sleep(0.5)  # the second batch is now waiting for the first's insert
            assert not waiting.done()
            await first.commit()
            assert await asyncio.wait_for(waiting, 10) == {"same": (group_id, "firing")}
        finally:
            await first.close()
            await second.close()

    asyncio.run(race())
    assert _counts(bench, group_id) == (2, 2, 3)


async def _connect(db: Database, *, autocommit: bool) -> psycopg.AsyncConnection[Any]:
    args, options = db.engine.dialect.create_connect_args(db.engine.url)
    return await psycopg.AsyncConnection.connect(*args, **{**options, "autocommit": autocommit})


def test_the_ordinary_path_learns_when_a_concurrent_request_inserted_its_new_alert(
    bench: PagingBench, db: Database
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    group_id = bench.api.post(GENERIC, json=_alert("a")).json()["results"][0]["alert_group"]
    row = {"k": "same", "g": group_id, "s": "disk same", "v": "warning", "o": "", "l": {}, "d": {}, "n": 1}
    now = bench.clock.now()
    with db.engine.connect() as first, ThreadPoolExecutor(max_workers=1) as pool:
        first.begin()
        assert alert_batch.upsert_firing(first, GENERIC_INTEGRATION, [row], now) == set()

        def second() -> set[str]:
            with db.engine.begin() as conn:
                return alert_batch.upsert_firing(conn, GENERIC_INTEGRATION, [row], now)

        waiting = pool.submit(second)
        time.sleep(0.5)
        assert not waiting.done()
        first.commit()
        assert waiting.result(timeout=10) == {"same"}
