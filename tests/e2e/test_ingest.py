"""Alert ingest as monitoring sees it: every alert applied before its request is answered, on both
databases and every route; what cannot be stored refused (400 naming the field) before the answer,
never wedging the requests after it."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from onwatch.bootstrap import Onwatch
from onwatch.db.tables import alert_groups, alerts
from onwatch.db.uow import Database
from onwatch.paging.store import counts as alert_counts
from tests.e2e.conftest import Cli, Servers
from tests.live import LiveServer
from tests.paging_helpers import AM_KEY, GENERIC_KEY, PD_KEY, PagingBench, make_bench
from tests.receivers import SmtpSink, WebhookSink

pytestmark = pytest.mark.e2e

AM = f"/api/v1/integrations/alertmanager/{AM_KEY}"
GENERIC = f"/api/v1/integrations/generic/{GENERIC_KEY}"
PD = "/v2/enqueue"


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> PagingBench:
    return make_bench(onwatch, webhook_sink, smtp_sink)  # its app runs on the live server


@pytest.fixture
def live(bench: PagingBench) -> Iterator[str]:
    with LiveServer(bench.app) as server:
        yield server.url


def am_body(alerts_: list[tuple[str, str]], team: str = "sre") -> dict[str, Any]:
    """An Alertmanager notification; `alerts_`: (alertname, fingerprint) pairs."""
    return {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "fingerprint": fp,
                "labels": {"alertname": name, "service": "web", "instance": fp, "team": team},
                "annotations": {"summary": f"{name} on {fp}"},
            }
            for name, fp in alerts_
        ],
    }


def generic_body(key: str, note: str = "ok") -> dict[str, Any]:
    return {"alerts": [{"summary": "Backups late", "dedup_key": key, "labels": {"team": note}}]}


def pd_body(key: str, note: str = "ok") -> dict[str, Any]:
    return {
        "routing_key": PD_KEY,
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {
            "summary": "Queue depth high",
            "source": "mq-1",
            "severity": "error",
            "custom_details": {"note": note},
        },
    }


def _stored(db: Database) -> list[str]:
    with db.read() as uow:
        return list(uow.conn.execute(sa.select(alerts.c.dedup_key)).scalars())


def test_a_storm_is_applied_before_each_answer_every_alert_once_and_each_group_pages_once(
    bench: PagingBench, live: str
) -> None:
    names = [f"Storm{i}" for i in range(5)]
    sizes = [5 if r % 3 == 0 else 50 for r in range(30)]
    requests = [
        am_body([(names[(r + a) % 5], f"fp-{r}-{a}") for a in range(size)]) for r, size in enumerate(sizes)
    ]
    with httpx.Client(base_url=live, timeout=30) as client, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda body: client.post(AM, json=body), requests))
    assert {a.status_code for a in answers} == {200}
    assert [a.json()["alerts"] for a in answers] == sizes
    with bench.db.read() as uow:  # applied before each answer: grouped, nothing left to do
        grouped = uow.conn.execute(sa.select(sa.func.count()).select_from(alerts)).scalar_one()
    assert grouped == sum(sizes)
    assert len({g for a in answers for g in a.json()["groups"]}) == 5

    bench.worker.run_once()
    with bench.db.write() as uow:
        alert_counts.fold(uow.conn)
        stored = uow.conn.execute(sa.select(alerts.c.event_count, alerts.c.status)).all()
        groups = uow.conn.execute(sa.select(alert_groups.c.title, alert_groups.c.alert_count)).all()
    assert len(stored) == sum(sizes) and {tuple(row) for row in stored} == {(1, "firing")}
    assert len(groups) == 5 and sum(count for _, count in groups) == sum(sizes)
    assert len(bench.pages_to("amara")) == 5  # one page per group, none twice


def test_a_60_alert_body_with_one_nul_character_is_refused_naming_the_field_and_nothing_is_stored(
    bench: PagingBench, live: str
) -> None:
    body = am_body([("DiskFull", f"fp-{i}") for i in range(60)])
    body["alerts"][3]["labels"]["team"] = "sre\u0000"
    refused = httpx.post(f"{live}{AM}", json=body)
    assert refused.status_code == 400, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["alerts[3].labels.team"]
    assert "NUL" in refused.json()["detail"]
    assert _stored(bench.db) == []
    bench.worker.run_once()
    assert _stored(bench.db) == [] and bench.pages_to("amara") == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            AM,
            {**am_body([("Nul", "fp-nul")]), "commonLabels": {"te\u0000am": "sre"}},
            "commonLabels.te\\u0000am",
        ),
        (GENERIC, generic_body("g-nul", note="a\u0000b"), "alerts[0].labels.team"),
        (GENERIC, {"summary": "x", "details": {"trace": [1, {"frame": "\u0000"}]}}, "details.trace[1].frame"),
        (PD, pd_body("pd-nul", note="\u0000"), "payload.custom_details.note"),
        (PD, {**pd_body("pd-nul"), "dedup_key": "pd\u0000"}, "dedup_key"),
    ],
)
def test_a_nul_character_in_any_field_of_any_route_is_refused_with_400_naming_it(
    bench: PagingBench, live: str, path: str, body: dict[str, Any], field: str
) -> None:
    refused = httpx.post(f"{live}{path}", json=body)
    assert refused.status_code == 400, refused.text
    errors = refused.json()["errors"]
    named = [e["field"] for e in errors] if path != PD else [e.split(":")[0] for e in errors]
    assert named == [field]
    assert _stored(bench.db) == []


def test_a_nul_label_wedges_nothing_every_route_keeps_answering_and_sigterm_stops_the_server(
    db: Database, cli: Cli, server: Servers, webhook_sink: WebhookSink, tmp_path: Path
) -> None:
    cli.demo_paging(webhook_sink, tmp_path)
    base = server()
    proc = server.processes[-1]
    with httpx.Client(base_url=base, timeout=5) as client:
        # each route: a normal alert (opens its group), the same group with a NUL (joins: the
        # path that took the writer down), then normal ones again, which must be answered at once
        for round_ in ("first", "nul", "after", "again"):
            note = "a\u0000b" if round_ == "nul" else "ok"
            answers = [
                client.post(AM, json=am_body([("Wedge", f"fp-{round_}")], team=note)),
                client.post(GENERIC, json=generic_body(f"g-{round_}", note)),
                client.post(PD, json=pd_body(f"pd-{round_}", note)),
            ]
            expected = [400, 400, 400] if round_ == "nul" else [200, 202, 202]
            assert [a.status_code for a in answers] == expected, [a.text for a in answers]
        opened = client.post(AM, json=am_body([("WedgeNew", "fp-new")]))  # opens a group: the writer
        assert opened.status_code == 200, opened.text
        assert client.get("/healthz").status_code == 200
    stored = set(_stored(db))
    assert {"fp-first", "fp-after", "fp-again", "g-again", "pd-again", "fp-new"} <= stored
    assert not {"fp-nul", "g-nul", "pd-nul"} & stored

    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=15)
    assert time.monotonic() - started < 10
