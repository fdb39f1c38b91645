"""Every figure of the response, noise and load reports against a scripted history on the fake
clock, as a person would count it by hand (both databases, the demo organisation, real paging)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.kernel.enums import Interface, Severity, State
from onwatch.kernel.timeline import Actor
from onwatch.reports.domain.bands import HourBand
from onwatch.reports.domain.filters import Period
from onwatch.reports.domain.results import Measure
from onwatch.reports.queries import Filters
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink
from tests.reports.helpers import acknowledge, declare_from_group, load, noise, response

AMARA = Actor.person("amara", Interface.API)


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def morning(bench: PagingBench) -> dict[str, int]:
    """Tuesday 2026-12-01 from 09:00 UTC, amara (London) on call as EOC:
    09:00 HighErrorRate pages amara; she acknowledges at 09:03 and declares an S2 at 09:05, which
    is identified at 09:30 and mitigated (monitoring) at 09:35.
    09:10 DiskFull pages amara; it resolves on its own at 09:20, nobody acknowledged it.
    09:10:30 QueueBacklog pages amara: 30 s after DiskFull, the same interruption; acknowledged at 09:12."""
    groups: dict[str, int] = {}
    bench.fire("HighErrorRate", fingerprint="fp-err")
    groups["err"] = bench.group_of("fp-err")
    bench.advance(3)
    acknowledge(bench, groups["err"])
    bench.advance(2)
    incident = declare_from_group(bench, groups["err"], Severity.S2)
    groups["incident"] = incident
    bench.advance(5)  # 09:10
    bench.fire("DiskFull", fingerprint="fp-disk")
    groups["disk"] = bench.group_of("fp-disk")
    bench.clock.advance(timedelta(seconds=30))
    bench.fire("QueueBacklog", fingerprint="fp-queue")
    groups["queue"] = bench.group_of("fp-queue")
    bench.clock.advance(timedelta(seconds=90))  # 09:12
    acknowledge(bench, groups["queue"])
    bench.advance(8)  # 09:20
    bench.fire("DiskFull", fingerprint="fp-disk", status="resolved")
    bench.advance(10)  # 09:30
    bench.onwatch.incidents.change_state(incident, State.IDENTIFIED, AMARA)
    bench.advance(5)  # 09:35
    bench.onwatch.incidents.change_state(incident, State.MONITORING, AMARA)
    return groups


def test_response_times_per_severity_count_acknowledge_detect_and_mitigate_by_hand(
    bench: PagingBench,
) -> None:
    morning(bench)
    report = response(bench)
    figures = {(r.severity, r.measure): (r.n, r.mean, r.p50, r.p90) for r in report.rows}
    # the S2's alert: paged 09:00, acknowledged 09:03; detected (declared) at 09:05; mitigated 09:35
    assert figures[(Severity.S2, Measure.ACKNOWLEDGE)] == (1, 180.0, 180.0, 180.0)
    assert figures[(Severity.S2, Measure.DETECT)] == (1, 300.0, 300.0, 300.0)
    assert figures[(Severity.S2, Measure.MITIGATE)] == (1, 2100.0, 2100.0, 2100.0)
    assert (Severity.S2, Measure.RESOLVE) not in figures, "not resolved yet: nothing to count"
    # alerts of no incident: QueueBacklog acknowledged after 90 s; DiskFull never, counted apart
    assert figures[(None, Measure.ACKNOWLEDGE)] == (1, 90.0, 90.0, 90.0)
    # an S2 pages the IMOC too (nadia, by a role page linked to it): nobody acknowledged that page
    unacked = {u.severity: (u.paged, u.unacknowledged) for u in report.unacknowledged}
    assert unacked == {Severity.S2: (2, 1), None: (2, 1)}


def test_response_times_group_by_week_and_filter_by_severity(bench: PagingBench) -> None:
    morning(bench)
    weekly = response(bench, Period.WEEK, severity=Severity.S2)
    assert {r.period for r in weekly.rows} == {"2026-11-30"}, "the week starting Monday 30 November"
    assert {r.severity for r in weekly.rows} == {Severity.S2}
    monthly = response(bench, Period.MONTH)
    assert {r.period for r in monthly.rows} == {"2026-12-01"}
    assert response(bench, severity=Severity.S1).rows == []


def test_noise_puts_the_rules_that_page_most_first_with_auto_resolved_share_and_time_open(
    bench: PagingBench,
) -> None:
    groups = morning(bench)
    rules = {r.alertname: r for r in noise(bench)}
    disk = rules["DiskFull"]
    assert (disk.groups, disk.pages, disk.auto_resolved, disk.auto_resolved_share) == (1, 1, 1, 1.0)
    assert disk.median_open == 600.0, "opened 09:10, resolved 09:20"
    assert disk.group_ids == [groups["disk"]]
    assert rules["HighErrorRate"].auto_resolved == 0 and rules["HighErrorRate"].median_open is None
    assert {r.integration for r in rules.values()} == {"prometheus"}


def test_noise_counts_flaps_of_a_rule(bench: PagingBench) -> None:
    for _ in range(3):
        bench.fire("Flappy", fingerprint="fp-flap")
        bench.advance(1)
        bench.fire("Flappy", fingerprint="fp-flap", status="resolved")
        bench.advance(1)
    bench.fire("Flappy", fingerprint="fp-flap")
    [flappy] = [r for r in noise(bench) if r.alertname == "Flappy"]
    assert (flappy.groups, flappy.pages, flappy.flaps) == (1, 1, 3)


def test_load_counts_pages_and_interruptions_in_the_persons_business_hours(bench: PagingBench) -> None:
    morning(bench)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    report = load(bench, start, start + timedelta(days=1), person="amara")
    [amara] = report.people
    assert amara.pages == 3
    # 09:00, and 09:10 + 09:10:30 (30 s apart: once): two interruptions, London business hours
    assert amara.interruptions == {HourBand.BUSINESS: 2, HourBand.OFF_HOURS: 0, HourBand.SLEEP: 0}
    # EMEA's window 08:00-16:00 London: amara holds the EOC 8 hours that day, and one incident
    assert amara.eoc_hours == 8.0 and amara.hours_on_call >= 8.0
    assert amara.incidents_on_eoc == 1 and amara.incidents_per_12h == 1.5
    assert (report.windows_over_bound, report.most_in_a_window) == (0, 1)


def test_per_severity_times_count_an_incident_of_two_services_once(bench: PagingBench) -> None:
    declared = bench.client("amara").post(
        "/api/v1/incidents", json={"title": "Web and API down", "severity": "S3", "services": ["web", "api"]}
    )
    assert declared.status_code == 201, declared.text
    bench.advance(20)
    assert bench.client("amara").post(f"/api/v1/incidents/{declared.json()['id']}/resolve").status_code == 200
    per_service = [r for r in response(bench).rows if r.measure is Measure.RESOLVE]
    assert [(r.service, r.severity, r.n, r.p50) for r in per_service] == [
        ("api", Severity.S3, 1, 1200.0),
        ("web", Severity.S3, 1, 1200.0),
    ]
    start, end = bench.clock.now() - timedelta(days=1), bench.clock.now() + timedelta(days=1)
    together = bench.onwatch.reports.response(Filters(start, end), None, per_service=False)
    resolve = [r for r in together.rows if r.measure is Measure.RESOLVE]
    assert [(r.service, r.severity, r.n, r.p50) for r in resolve] == [("", Severity.S3, 1, 1200.0)]
    api = bench.client("maria").get(
        "/api/v1/reports/response",
        params={"from": start.isoformat(), "to": end.isoformat(), "period": "all", "per_service": "false"},
    )
    assert [
        (r["service"], r["severity"], r["n"]) for r in api.json()["rows"] if r["measure"] == "resolve"
    ] == [("", 3, 1)]
