"""The SLO report: a service's error budget consumed in a month, and the minutes its incident spent
in each status, from a scripted history (samples pushed, an incident declared, escalated, resolved)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from onwatch.reports.queries import Filters
from onwatch.slo.store import Sample, SloRepository
from tests.api_helpers import ClientFactory, client_factory
from tests.reviews.helpers import resolved_incident


@pytest.fixture
def as_(onwatch: Onwatch, org: OnwatchConfig, db: Database, clock: FakeClock) -> Iterator[ClientFactory]:
    with TestClient(onwatch.api(web=False)) as client:
        yield client_factory(client, db, clock)


def test_budget_consumed_and_minutes_in_each_status_per_service_and_month(
    as_: ClientFactory, clock: FakeClock, onwatch: Onwatch, db: Database
) -> None:
    start = clock.now()
    # git's objective is 99.95% good requests: a budget of 0.05%; 1 error in 2,000 spends all of it
    with db.write() as uow:
        uow.repo(SloRepository).add_samples(
            [
                Sample("git", start, 1000, 0, 1000, 0),
                Sample("git", start + timedelta(minutes=1), 1000, 1, 999, 1),
            ],
            start,
        )
    # declared Degraded Performance; Service Disruption 8 minutes in; resolved 40 minutes later
    resolved_incident(as_, clock, "S2", service="git")
    months = onwatch.reports.slo(Filters(start - timedelta(days=1), start + timedelta(days=1)))
    [git] = [m for m in months if m.service == "git"]
    assert (git.month, git.requests, git.errors, git.error_budget) == (
        "2026-12-01",
        2000.0,
        1.0,
        pytest.approx(0.0005),
    )
    assert git.budget_consumed == 1.0
    assert git.minutes == {"degraded_performance": 8.0, "service_disruption": 40.0}

    answer = as_("maria", TokenRole.VIEWER).get(
        "/api/v1/reports/slo",
        params={"from": "2026-11-30T00:00:00Z", "to": "2026-12-02T00:00:00Z", "format": "csv"},
    )
    header, row = answer.text.splitlines()
    assert header.startswith("service,month,requests,errors,error_budget,budget_consumed,minutes_operational")
    assert row.startswith("git,2026-12-01,2000.0,1.0,") and ",1.0,0.0,8.0,0.0,40.0,0.0" in row
