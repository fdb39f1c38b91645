"""Bad pushed samples are refused with the field at fault, and then nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from onwatch.bootstrap import Onwatch
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from onwatch.slo.store import SloRepository
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def good(clock: FakeClock, **changes: Any) -> dict[str, Any]:
    return {
        "service": "web",
        "at": clock.now().isoformat(),
        "requests": 100,
        "errors": 1,
        "satisfied": 95,
        "tolerated": 3,
        **changes,
    }


def fields(response: httpx.Response) -> dict[str, str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def stored(db: Database) -> int:
    """Requests stored for web and api over the last day."""
    day = timedelta(days=1)
    with db.read() as uow:
        counts = uow.repo(SloRepository).window_counts(["web", "api"], FakeClock().now(), [day])
    return int(sum(c[day][0] for c in counts.values()))


def test_a_valid_batch_is_stored(bench: PagingBench, clock: FakeClock) -> None:
    response = bench.client().post(
        "/api/v1/slo/samples", json={"samples": [good(clock), good(clock, service="api")]}
    )
    assert response.status_code == 202 and response.json() == {"status": "accepted", "samples": 2}
    assert stored(bench.db) == 200


@pytest.mark.parametrize(
    ("sample", "field", "message"),
    [
        ({"errors": -1}, "samples[1].errors", "must not be negative"),
        ({"requests": "many"}, "samples[1].requests", "must be a number"),
        ({"service": "mainframe"}, "samples[1].service", "unknown service 'mainframe'"),
        ({"at": "yesterday"}, "samples[1].at", "not an RFC 3339 timestamp"),
        ({"errors": 101}, "samples[1].errors", "cannot exceed requests"),
        ({"latency": 3}, "samples[1].latency", "unknown field"),
    ],
)
def test_bad_samples_are_refused_naming_the_field_and_nothing_is_stored(
    bench: PagingBench, clock: FakeClock, sample: dict[str, Any], field: str, message: str
) -> None:
    response = bench.client().post(
        "/api/v1/slo/samples", json={"samples": [good(clock), good(clock, **sample)]}
    )
    assert response.status_code == 422
    assert message in fields(response)[field]
    assert stored(bench.db) == 0


def test_samples_from_the_future_are_refused(bench: PagingBench, clock: FakeClock) -> None:
    later = (clock.now() + timedelta(minutes=10)).isoformat()
    response = bench.client().post("/api/v1/slo/samples", json=good(clock, at=later))
    assert response.status_code == 422 and "in the future" in fields(response)["at"]


def test_nan_and_infinity_are_not_counts(bench: PagingBench, clock: FakeClock) -> None:
    body = '{"service": "web", "requests": NaN, "errors": Infinity}'
    response = bench.client().post(
        "/api/v1/slo/samples", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert fields(response) == {
        "requests": "must be a finite number (NaN and Infinity are not counts)",
        "errors": "must be a finite number (NaN and Infinity are not counts)",
    }


def test_counts_too_large_to_add_up_are_refused(bench: PagingBench, clock: FakeClock) -> None:
    at = clock.now().isoformat()
    body = f'{{"service": "web", "at": "{at}", "requests": 1e308, "satisfied": {10**400}}}'
    response = bench.client().post(
        "/api/v1/slo/samples", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert fields(response) == {"requests": "must be at most 1e+15", "satisfied": "must be at most 1e+15"}
    assert bench.client().get("/api/v1/services/web/slo").status_code == 200


def test_malformed_json_and_wrong_shapes(bench: PagingBench) -> None:
    client = bench.client()
    assert (
        client.post(
            "/api/v1/slo/samples", content=b"{", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert fields(client.post("/api/v1/slo/samples", json=[1, 2])) == {
        "body": 'must be a sample object or {"samples": [...]}'
    }
    assert fields(client.post("/api/v1/slo/samples", json={"samples": []})) == {
        "samples": "must be a non-empty list"
    }


def test_a_service_measured_by_prometheus_takes_no_pushed_samples(
    onwatch: Onwatch, clock: FakeClock, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> None:
    from onwatch.config.apply import apply_config
    from onwatch.config.loader import load_config
    from tests.paging_helpers import demo_with_receivers

    text = (
        demo_with_receivers(webhook_sink)
        .replace(
            "slo: {error_ratio: 0.9999, source: pushed}",
            "slo: {error_ratio: 0.9999, source: prometheus, prometheus: {requests: 'sum(rate(r[$window]))', errors: 'sum(rate(e[$window]))'}}",
        )
        .replace(
            '  # prometheus: {url: "http://127.0.0.1:9090", timeout: 5s}',
            '  prometheus: {url: "http://127.0.0.1:9", timeout: 1s}',
        )
    )
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        apply_config(onwatch.db, load_config(text), now=clock.now(), applied_by="tests")
        response = bench.client().post("/api/v1/slo/samples", json=good(clock, service="pages"))
    assert response.status_code == 422
    assert fields(response) == {"service": "service 'pages' is not measured by pushed samples"}


def test_pushing_needs_a_responder_token(bench: PagingBench, clock: FakeClock) -> None:
    viewer = bench.client("amara", TokenRole.VIEWER)
    assert viewer.post("/api/v1/slo/samples", json=good(clock)).status_code == 403
    assert bench.api.post("/api/v1/slo/samples", json=good(clock)).status_code == 401  # no token


def test_unknown_service_slo_is_404(bench: PagingBench) -> None:
    response = bench.client().get("/api/v1/services/mainframe/slo")
    assert response.status_code == 404 and "mainframe" in response.json()["detail"]


def test_samples_older_than_the_retention_are_dropped_by_the_evaluation(
    bench: PagingBench, clock: FakeClock
) -> None:
    assert bench.client().post("/api/v1/slo/samples", json=good(clock)).status_code == 202
    bench.worker.run_once()
    assert stored(bench.db) == 100
    clock.advance(timedelta(days=32))
    bench.worker.run_once()
    assert stored(bench.db) == 0
