"""A flapping alert pages once (PROCESS.md §3: flappy alerts are noise to be fixed): an alert that
resolves and fires again within `process.flapping_window` reopens its group instead of opening a
new one and paging again; the group and any later page say "flapping"; after the window it pages
as usual. Real receivers, both databases, a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def flap(bench: PagingBench, cycles: int, fingerprint: str = "fp-flap") -> None:
    for _ in range(cycles):
        assert bench.fire(fingerprint=fingerprint).status_code == 200
        bench.advance(1)
        assert bench.fire(fingerprint=fingerprint, status="resolved").status_code == 200
        bench.advance(1)


def page_titles(bench: PagingBench, who: str) -> list[str]:
    return [
        str(r.json["notification"]["title"])
        for r in bench.webhook.requests
        if f"to={who}" in r.path and r.status == 200 and r.json["notification"]["kind"] == "page"
    ]


def test_five_fire_and_resolve_cycles_page_once_in_one_group_marked_flapping(bench: PagingBench) -> None:
    flap(bench, 5)
    bench.fire(fingerprint="fp-flap")
    assert len(bench.pages_to("amara")) == 1, "a flapping alert pages once"
    groups = bench.client().get("/api/v1/alert-groups").json()
    assert len(groups) == 1 and groups[0]["flapping"] and groups[0]["status"] == "triggered"
    group = bench.client().get(f"/api/v1/alert-groups/{groups[0]['id']}").json()
    reopened = [e["message"] for e in group["timeline"] if e["kind"] == "flapping"]
    assert len(reopened) == 5
    assert reopened[0].startswith("flapping: fired again 1m after resolving")
    assert "reopened this group instead of paging again" in reopened[0]


def test_an_unacknowledged_flapping_alert_still_escalates_and_the_page_says_flapping(
    bench: PagingBench,
) -> None:
    flap(bench, 3)
    bench.fire(fingerprint="fp-flap")
    assert bench.pages_to("nadia") == []
    bench.advance(15)  # a step's delay after the last reopening, nobody acknowledged
    assert len(bench.pages_to("nadia")) == 1
    [title] = page_titles(bench, "nadia")
    assert title.startswith("[flapping] ")


def test_an_acknowledged_group_that_flaps_reopens_acknowledged_and_pages_nobody(bench: PagingBench) -> None:
    group_id = bench.fire(fingerprint="fp-flap").json()["groups"][0]
    bench.client("amara").post(f"/api/v1/alert-groups/{group_id}/acknowledge")
    bench.fire(fingerprint="fp-flap", status="resolved")
    bench.advance(3)
    assert bench.fire(fingerprint="fp-flap").json()["groups"] == [group_id]
    assert bench.client().get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "acknowledged"
    bench.advance(60)
    assert len(bench.pages_to("amara")) == 1 and bench.pages_to("nadia") == []


def test_after_the_flap_window_an_alert_firing_again_opens_a_new_group_and_pages(bench: PagingBench) -> None:
    first = bench.fire(fingerprint="fp-flap").json()["groups"][0]
    bench.fire(fingerprint="fp-flap", status="resolved")
    bench.advance(61)  # process.flapping_window is 1h
    second = bench.fire(fingerprint="fp-flap").json()["groups"][0]
    assert second != first
    assert len(bench.pages_to("amara")) == 2
    assert not bench.client().get(f"/api/v1/alert-groups/{second}").json()["flapping"]
