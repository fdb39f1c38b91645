"""The alert inbox (PostgreSQL): the Alertmanager route answers 202 once the body is committed, and
the alerts are grouped and paged from it right after, each body exactly once and in order, by the
server that accepted it or, if that server died, by the engine's sweep."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa

from onwatch.alerts.ingest import inbox_apply, inbox_drain
from onwatch.alerts.store import inbox as alert_inbox
from onwatch.db.tables import alert_groups, alerts
from onwatch.db.tables import alert_inbox as inbox_table
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from onwatch.paging.domain.alerts import AlertAction, AlertEvent
from onwatch.paging.store import counts as alert_counts
from tests.live import LiveServer
from tests.paging_helpers import AM_KEY, PagingBench, make_bench
from tests.receivers import SmtpSink, WebhookSink

pytestmark = pytest.mark.e2e


@pytest.fixture
def bench(db: Database, clock: FakeClock, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> PagingBench:
    if db.dialect != "postgresql":
        pytest.skip("the inbox is PostgreSQL's: on SQLite the route applies the alerts before answering")
    return make_bench(db, clock, webhook_sink, smtp_sink)


@pytest.fixture
def live(bench: PagingBench) -> Iterator[str]:
    with LiveServer(bench.api.app) as server:  # type: ignore[attr-defined]
        yield server.url


def _body(clock: FakeClock, alerts_: list[tuple[str, str]], status: str = "firing") -> dict[str, Any]:
    """An Alertmanager notification; `alerts_`: (alertname, fingerprint) pairs."""
    return {
        "version": "4",
        "status": status,
        "alerts": [
            {
                "status": status,
                "fingerprint": fp,
                "labels": {"alertname": name, "service": "web", "instance": fp},
                "annotations": {"summary": f"{name} on {fp}"},
                "startsAt": clock.now().isoformat(),
            }
            for name, fp in alerts_
        ],
    }


def _integration_id(db: Database) -> str:
    with db.read() as uow:
        found = uow.alerts.integration_by_key(AM_KEY)
    assert found is not None
    return found.id


def _accepted_by_a_server_that_died(db: Database, clock: FakeClock, *bodies: dict[str, Any]) -> None:
    """Rows committed to the inbox (as a server does before its 202) that nobody applied."""
    integration = _integration_id(db)
    with db.write() as uow:
        for body in bodies:
            uow.conn.execute(
                sa.insert(inbox_table).values(
                    integration_id=integration,
                    received_at=clock.now(),
                    body=orjson.dumps(body),
                    alerts=len(body["alerts"]),
                )
            )


def _inbox(db: Database) -> tuple[int, int]:
    with db.read() as uow:
        return alert_inbox.counts(uow.conn)


def _wait_until_applied(db: Database, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while _inbox(db)[0]:
        assert time.monotonic() < deadline, f"inbox still holds {_inbox(db)[0]} rows"
        time.sleep(0.05)


def test_a_storm_is_accepted_then_every_alert_is_applied_once_and_each_group_pages_once(
    bench: PagingBench, live: str
) -> None:
    names = [f"Storm{i}" for i in range(5)]
    sizes = [5 if r % 3 == 0 else 50 for r in range(30)]  # 50 alerts or more: a storm, queued
    requests = [
        _body(bench.clock, [(names[(r + a) % 5], f"fp-{r}-{a}") for a in range(size)])
        for r, size in enumerate(sizes)
    ]
    url = f"{live}/api/v1/integrations/alertmanager/{AM_KEY}"
    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda body: client.post(url, json=body), requests))
    # 202: into the inbox; 200: applied before the answer (a few alerts, none of the integration's
    # bodies waiting in the inbox)
    assert {a.status_code for a, size in zip(answers, sizes, strict=True) if size == 50} == {202}
    assert {a.status_code for a in answers} <= {200, 202}
    assert [a.json()["alerts"] for a in answers] == sizes

    _wait_until_applied(bench.db)
    bench.worker.run_once()
    with bench.db.write() as uow:
        alert_counts.fold(uow.conn)
        stored = uow.conn.execute(sa.select(alerts.c.event_count, alerts.c.status)).all()
        groups = uow.conn.execute(sa.select(alert_groups.c.title, alert_groups.c.alert_count)).all()
    assert len(stored) == sum(sizes) and {tuple(row) for row in stored} == {(1, "firing")}
    assert len(groups) == 5 and sum(count for _, count in groups) == sum(sizes)
    assert len(bench.pages_to("amara")) == 5  # one page per group, none twice
    assert _inbox(bench.db) == (0, 0)


def test_rows_of_a_server_that_died_after_answering_are_applied_by_the_engine_in_order(
    bench: PagingBench,
) -> None:
    fired = _body(bench.clock, [("DiskFull", "fp-disk")])
    _accepted_by_a_server_that_died(bench.db, bench.clock, fired)
    bench.worker.run_once()  # the engine's sweep
    assert len(bench.pages_to("amara")) == 1
    group_id = bench.group_of("fp-disk")

    refired = _body(bench.clock, [("DiskFull", "fp-disk")])
    resolved = _body(bench.clock, [("DiskFull", "fp-disk")], status="resolved")
    _accepted_by_a_server_that_died(bench.db, bench.clock, refired, resolved)
    bench.worker.run_once()
    group = bench.client().get(f"/api/v1/alert-groups/{group_id}").json()
    assert group["status"] == "resolved"  # the resolve came last, and was applied last
    assert len(bench.pages_to("amara")) == 1 and _inbox(bench.db) == (0, 0)


def test_a_row_that_cannot_be_applied_is_kept_as_failed_and_the_rows_after_it_are_applied(
    bench: PagingBench,
) -> None:
    integration = _integration_id(bench.db)
    with bench.db.write() as uow:
        for body, integration_id in [
            (b"{broken", integration),
            (orjson.dumps(_body(bench.clock, [("Orphan", "fp-orphan")])), "removed-integration"),
        ]:
            uow.conn.execute(
                sa.insert(inbox_table).values(
                    integration_id=integration_id, received_at=bench.clock.now(), body=body, alerts=1
                )
            )
    _accepted_by_a_server_that_died(bench.db, bench.clock, _body(bench.clock, [("CpuHot", "fp-cpu")]))
    bench.worker.run_once()
    assert len(bench.pages_to("amara")) == 1 and bench.group_of("fp-cpu") > 0
    assert _inbox(bench.db) == (0, 2)
    with bench.db.read() as uow:
        failed = sorted(uow.conn.execute(sa.select(inbox_table.c.failed)).scalars())
    assert (
        failed[0].startswith("PayloadError: body: invalid JSON")
        and failed[1] == "the integration no longer exists"
    )
    scraped = bench.client().get("/metrics").text
    assert 'onwatch_alert_inbox_alerts{state="failed"} 2.0' in scraped


def test_a_request_that_could_be_applied_at_once_never_overtakes_a_body_waiting_in_the_inbox(
    bench: PagingBench, live: str
) -> None:
    url = f"{live}/api/v1/integrations/alertmanager/{AM_KEY}"
    fired = _body(bench.clock, [("Ordered", "fp-a"), ("Ordered", "fp-b")])
    assert httpx.post(url, json=fired).status_code == 200  # nothing waits in the inbox: applied

    # a resolve of fp-a that another server accepted and has not applied yet...
    _accepted_by_a_server_that_died(
        bench.db, bench.clock, _body(bench.clock, [("Ordered", "fp-a")], "resolved")
    )
    # ...so fp-a firing again, sent after it, must wait behind it rather than be applied first
    answer = httpx.post(url, json=_body(bench.clock, [("Ordered", "fp-a")]))
    assert answer.status_code == 202
    _wait_until_applied(bench.db)
    with bench.db.read() as uow:
        status = uow.conn.execute(sa.select(alerts.c.status).where(alerts.c.dedup_key == "fp-a")).scalar_one()
    assert status == "firing"


def test_batches_that_share_an_alert_are_applied_in_order_while_others_run_beside_them(
    bench: PagingBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_drain, "ALERTS_PER_TRANSACTION", 2)  # a transaction per body or two
    bodies = []
    for i in range(24):
        status = "resolved" if i % 2 else "firing"  # fp-shared flaps; the last body resolves it
        bodies.append(_body(bench.clock, [("Shared", "fp-shared")], status))
        bodies.append(_body(bench.clock, [("Own", f"fp-own-{i}")]))
    _accepted_by_a_server_that_died(bench.db, bench.clock, *bodies)
    bench.worker.run_once()
    with bench.db.read() as uow:
        status = dict(uow.conn.execute(sa.select(alerts.c.dedup_key, alerts.c.status)).all())
    assert status.pop("fp-shared") == "resolved"
    assert status == {f"fp-own-{i}": "firing" for i in range(24)}
    assert _inbox(bench.db) == (0, 0)


def test_while_the_inbox_is_full_a_storm_waits_then_is_told_to_retry_and_nothing_is_stored(
    bench: PagingBench, live: str
) -> None:
    lane = bench.api.app.state.inbox_lane  # type: ignore[attr-defined]
    lane.max_waiting, lane.full_wait = 100, 0.3
    backlog = _body(bench.clock, [("Backlog", f"fp-b{i}") for i in range(150)])
    _accepted_by_a_server_that_died(bench.db, bench.clock, backlog)
    url = f"{live}/api/v1/integrations/alertmanager/{AM_KEY}"
    storm = _body(bench.clock, [("Storm", f"fp-s{i}") for i in range(60)])
    refused = httpx.post(url, json=storm)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
    assert "inbox" in refused.json()["detail"]
    assert _inbox(bench.db) == (1, 0)  # the backlog only: nothing of the refused request

    bench.worker.run_once()  # the engine applies the backlog
    time.sleep(0.15)  # the server counts the inbox at most every 0.1 s
    assert httpx.post(url, json=storm).status_code == 202
    _wait_until_applied(bench.db)
    with bench.db.read() as uow:
        stored = uow.conn.execute(sa.select(sa.func.count()).select_from(alerts)).scalar_one()
    assert stored == 150 + 60


def test_with_the_inbox_turned_off_a_storm_is_applied_before_the_answer(
    bench: PagingBench, live: str
) -> None:
    bench.api.app.state.inbox_lane.from_alerts = 0  # type: ignore[attr-defined]  # ONWATCH_INBOX_FROM_ALERTS=0
    url = f"{live}/api/v1/integrations/alertmanager/{AM_KEY}"
    answer = httpx.post(url, json=_body(bench.clock, [("Storm", f"fp-{i}") for i in range(60)]))
    assert answer.status_code == 200 and len(answer.json()["groups"]) == 1
    with bench.db.read() as uow:
        assert uow.conn.execute(sa.select(sa.func.count()).select_from(alerts)).scalar_one() == 60
    assert _inbox(bench.db) == (0, 0)


def _stored_keys(db: Database) -> set[str]:
    with db.read() as uow:
        return set(uow.conn.execute(sa.select(alerts.c.dedup_key)).scalars())


def _answering_a_storm_it_is_behind_on(
    bench: PagingBench, monkeypatch: pytest.MonkeyPatch
) -> tuple[inbox_apply.InboxApplier, str]:
    """The server's applier (MAX_HOLD 1 s), as while the server answers a storm and has accepted far
    more than it applied; and the integration."""
    monkeypatch.setattr(inbox_apply, "MAX_HOLD", 1.0)
    applier: inbox_apply.InboxApplier = bench.api.app.state.inbox_lane.applier  # type: ignore[attr-defined]
    integration = _integration_id(bench.db)
    storm = [AlertEvent(AlertAction.TRIGGER, f"storm-{i}", "storm", bench.clock.now()) for i in range(2000)]
    applier.remember(integration, bench.clock.now(), storm)
    applier.accepting_until = time.monotonic() + 30
    return applier, integration


def test_while_its_server_answers_a_storm_the_applier_applies_the_oldest_body_then_steps_aside(
    bench: PagingBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    applier, integration = _answering_a_storm_it_is_behind_on(bench, monkeypatch)
    bodies = [_body(bench.clock, [("Hold", f"fp-{i}")]) for i in range(4)]
    _accepted_by_a_server_that_died(bench.db, bench.clock, *bodies)

    started = time.monotonic()
    drain = threading.Thread(target=applier.drain, args=(integration,))
    drain.start()
    time.sleep(0.6)
    assert _stored_keys(bench.db) == {"fp-0"}  # the oldest body at once (its page), alone; then it waits
    drain.join(timeout=10)
    assert time.monotonic() - started >= 1.0  # at most MAX_HOLD at a time, then the next transaction
    assert _stored_keys(bench.db) == {f"fp-{i}" for i in range(4)} and _inbox(bench.db) == (0, 0)

    applier.accepting_until = 0.0  # the storm is over: nothing holds the applier back
    _accepted_by_a_server_that_died(bench.db, bench.clock, *(_body(bench.clock, [("Hold", "fp-9")]),) * 3)
    started = time.monotonic()
    assert applier.drain(integration) == 3
    assert time.monotonic() - started < 1.0


def test_bodies_another_server_applied_long_ago_stop_holding_the_applier_back(
    bench: PagingBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the storm's bodies were accepted here but applied by another server
    applier, integration = _answering_a_storm_it_is_behind_on(bench, monkeypatch)
    monkeypatch.setattr(inbox_apply, "REMEMBER_SECONDS", 0.0)
    time.sleep(0.01)
    event = AlertEvent(AlertAction.TRIGGER, "next", "storm", bench.clock.now())
    applier.remember(integration, bench.clock.now(), [event])  # the next body: the old ones are forgotten

    _accepted_by_a_server_that_died(bench.db, bench.clock, *(_body(bench.clock, [("Hold", "fp-1")]),) * 3)
    started = time.monotonic()
    assert applier.drain(integration) == 3
    assert time.monotonic() - started < 1.0  # not behind on anything: nothing held it back
