"""The week's figures, inside the digest timer's transaction, by the same queries the reports use
(so each number equals what /api/v1/reports/... answers for that range and caller)."""

from __future__ import annotations

from datetime import datetime

from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import UnitOfWork
from onwatch.reports.digest.domain import TOP_RULES, WeekFigures
from onwatch.reports.domain.filters import ReportFilter
from onwatch.reports.queries import load_report, page_counts
from onwatch.reports.store.learning import LearningQueries
from onwatch.reports.store.noise import NoiseQueries
from onwatch.reports.store.response import ResponseQueries


def week_figures(
    uow: UnitOfWork,
    applied: AppliedConfig,
    start: datetime,
    end: datetime,
    zone: str,
    hidden: frozenset[int],
    now: datetime,
) -> WeekFigures:
    """[start, end) as a reader who may not see the `hidden` (confidential) incidents sees it."""
    flt = ReportFilter(start=start, end=end, hidden_incidents=hidden)
    response = ResponseQueries(uow.conn)
    overall = response.report(flt, None, split=False)
    by_severity = response.report(flt, None, per_service=False)
    pages, sleep_pages = page_counts(uow, applied, flt)
    return WeekFigures(
        start=start,
        end=end,
        zone=zone,
        pages=pages,
        sleep_pages=sleep_pages,
        paged_groups=sum(u.paged for u in overall.unacknowledged),
        unacknowledged=sum(u.unacknowledged for u in overall.unacknowledged),
        overall=overall.rows,
        by_severity=by_severity.rows,
        noisiest=NoiseQueries(uow.conn).rules(flt, TOP_RULES),
        people=load_report(uow, applied, flt).people,
        learning=LearningQueries(uow.conn).report(flt, now),
    )
