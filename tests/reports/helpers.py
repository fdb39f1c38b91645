"""A scripted history for the reports: alerts fired, paged, acknowledged and resolved through the
API on the fake clock, with the demo organisation wired to loopback receivers."""

from __future__ import annotations

from datetime import datetime, timedelta

from onwatch.kernel.enums import Severity
from onwatch.reports.domain.filters import Period
from onwatch.reports.domain.results import LoadReport, ResponseReport, RuleNoise
from onwatch.reports.queries import Filters, Reports
from tests.paging_helpers import PagingBench


def reports(bench: PagingBench) -> Reports:
    return bench.onwatch.reports


def window(bench: PagingBench, days: int = 1) -> tuple[datetime, datetime]:
    now = bench.clock.now()
    return now - timedelta(days=days), now + timedelta(days=days)


def response(bench: PagingBench, period: Period | None = None, **filters: object) -> ResponseReport:
    start, end = window(bench)
    return reports(bench).response(Filters(start, end, **filters), period)  # type: ignore[arg-type]


def noise(bench: PagingBench, **filters: object) -> list[RuleNoise]:
    start, end = window(bench)
    return reports(bench).noise(Filters(start, end, **filters))  # type: ignore[arg-type]


def load(bench: PagingBench, start: datetime, end: datetime, **filters: object) -> LoadReport:
    return reports(bench).load(Filters(start, end, **filters))  # type: ignore[arg-type]


def acknowledge(bench: PagingBench, group_id: int, person: str = "amara") -> None:
    response = bench.client(person).post(f"/api/v1/alert-groups/{group_id}/acknowledge")
    assert response.status_code == 200, response.text


def declare_from_group(bench: PagingBench, group_id: int, severity: Severity, person: str = "amara") -> int:
    from onwatch.kernel.enums import Interface
    from onwatch.kernel.timeline import Actor

    _, incident_id = bench.onwatch.incidents.declare_from_group(
        group_id, Actor.person(person, Interface.API), severity=severity
    )
    return incident_id
