"""The sleep band across the night London's clocks go back (2027-10-31, 02:00 BST -> 01:00 GMT):
pages to amara are banded by her wall clock, so 07:30 GMT is still her night although it is 08:30
by the summer clock; and the dashboard's 7-day strip counts the sleep-hour pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.enums import Interface
from onwatch.kernel.timeline import Actor
from onwatch.reports.domain.bands import HourBand
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink
from tests.reports.helpers import acknowledge, load
from tests.web_helpers import Browser, set_passwords

EVENING = datetime(2027, 10, 30, 20, 30, tzinfo=UTC)  # Saturday 21:30 BST


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(EVENING)


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        # amara covers the EOC through the night
        bench.onwatch.oncall.add_override(
            "sre-8-hour", "amara", EVENING - timedelta(minutes=30), EVENING + timedelta(hours=14),
            Actor.person("nadia", Interface.CLI),
        )  # fmt: skip
        yield bench


def page_amara_at(bench: PagingBench, at: datetime, alertname: str) -> None:
    bench.clock.advance(at - bench.clock.now())
    bench.fire(alertname, fingerprint=f"fp-{alertname}")
    acknowledge(bench, bench.group_of(f"fp-{alertname}"))


def test_pages_through_the_night_the_clocks_go_back_fall_in_amaras_sleep_band(bench: PagingBench) -> None:
    for at, name in [
        (EVENING, "Evening"),  # 21:30 BST: off-hours (a Saturday evening)
        (datetime(2027, 10, 30, 21, 30, tzinfo=UTC), "Late"),  # 22:30 BST: asleep
        (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), "FirstOneThirty"),  # 01:30 BST
        (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), "SecondOneThirty"),  # 01:30 GMT, the hour again
        (datetime(2027, 10, 31, 7, 30, tzinfo=UTC), "Dawn"),  # 07:30 GMT: still the night
        (datetime(2027, 10, 31, 8, 30, tzinfo=UTC), "Morning"),  # 08:30 GMT Sunday: off-hours
    ]:
        page_amara_at(bench, at, name)
    report = load(bench, EVENING - timedelta(hours=1), EVENING + timedelta(hours=14), person="amara")
    [amara] = report.people
    assert amara.pages == 6
    assert amara.interruptions == {HourBand.BUSINESS: 0, HourBand.OFF_HOURS: 2, HourBand.SLEEP: 4}

    strip = bench.onwatch.reports.strip()
    assert (strip.pages, strip.sleep_pages) == (6, 4)
    set_passwords(bench.db, bench.clock, "maria")
    browser = Browser(bench.api)  # type: ignore[arg-type]
    browser.sign_in("maria")
    html = browser.get("/").text
    assert '<span class="figure">6</span> pages' in html
    assert '<span class="figure">4</span> in someone\'s sleep hours' in html
