"""/api/v1/reports/...: the response, on-call load and noise reports as JSON, or CSV (`format=csv`)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from onwatch.api.auth import Principal, Viewer, hidden_for
from onwatch.api.params import Instant
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Severity
from onwatch.kernel.errors import InvalidInput
from onwatch.reports.domain.filters import Period
from onwatch.reports.domain.results import Learning, LoadReport, ResponseReport, RuleNoise, ServiceMonth
from onwatch.reports.queries import Filters, Reports
from onwatch.reports.tables import Table, learning_table, load_table, noise_table, response_table, slo_table

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

# each report is JSON, or with format=csv the same table as a CSV download
CSV_TOO: dict[int | str, dict[str, object]] = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}

DEFAULT_RANGE = timedelta(days=28)
Ref = Annotated[str | None, Query(max_length=64)]


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


class Bucket(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


def _reports(request: Request) -> Reports:
    reports: Reports = request.app.state.reports
    return reports


def filters(
    request: Request,
    who: Principal,
    start: Instant | None,
    end: Instant | None,
    service: str | None,
    team: str | None,
    schedule: str | None,
    person: str | None,
    severity: str | None,
) -> Filters:
    """The filters of a request: the range defaults to the 28 days up to now."""
    clock: Clock = request.app.state.clock
    end = end or clock.now()
    start = start or end - DEFAULT_RANGE
    try:
        level = Severity.parse(severity) if severity is not None else None
    except ValueError as exc:
        raise InvalidInput(str(exc), field="severity") from None
    return Filters(
        start, end, service, team, schedule, person, level, hidden_incidents=hidden_for(request, who)
    )


def _csv(table: Table, name: str) -> Response:
    return Response(
        table.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="onwatch-{name}.csv"'},
    )


From = Annotated[Instant | None, Query(alias="from")]
To = Annotated[Instant | None, Query(alias="to")]


@router.get("/response", responses=CSV_TOO, response_model=ResponseReport)
def response_report(
    request: Request,
    who: Viewer,
    start: From = None,
    end: To = None,
    service: Ref = None,
    team: Ref = None,
    schedule: Ref = None,
    person: Ref = None,
    severity: Annotated[str | None, Query(max_length=4)] = None,
    period: Bucket = Bucket.WEEK,
    per_service: bool = True,
    format: Format = Format.JSON,
) -> ResponseReport | Response:
    """Time to acknowledge, detect, mitigate and resolve (seconds: n, mean, p50, p90) per period,
    service and severity (`per_service=false`: per severity, the services together, as the weekly
    digest counts); alert groups never acknowledged are counted apart (README "Reports")."""
    given = filters(request, who, start, end, service, team, schedule, person, severity)
    bucket = None if period is Bucket.ALL else Period(period.value)
    report = _reports(request).response(given, bucket, per_service=per_service)
    return _csv(response_table(report), "response") if format is Format.CSV else report


@router.get("/load", responses=CSV_TOO, response_model=LoadReport)
def load_report(
    request: Request,
    who: Viewer,
    start: From = None,
    end: To = None,
    service: Ref = None,
    team: Ref = None,
    schedule: Ref = None,
    person: Ref = None,
    severity: Annotated[str | None, Query(max_length=4)] = None,
    format: Format = Format.JSON,
) -> LoadReport | Response:
    """On-call load per person: hours on call, pages, interruptions per hour band of their own zone,
    incidents per 12 hours of EOC shift (the SRE bound is 2), and each rotation's fairness."""
    given = filters(request, who, start, end, service, team, schedule, person, severity)
    report = _reports(request).load(given)
    return _csv(load_table(report), "load") if format is Format.CSV else report


@router.get("/noise", responses=CSV_TOO, response_model=list[RuleNoise])
def noise_report(
    request: Request,
    who: Viewer,
    start: From = None,
    end: To = None,
    service: Ref = None,
    team: Ref = None,
    schedule: Ref = None,
    person: Ref = None,
    severity: Annotated[str | None, Query(max_length=4)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: Format = Format.JSON,
) -> list[RuleNoise] | Response:
    """Alert rules by noise, the noisiest first: pages, the share resolved without anyone
    acknowledging, flaps, median time open, feedback, and their latest groups."""
    given = filters(request, who, start, end, service, team, schedule, person, severity)
    rules = _reports(request).noise(given, limit)
    return _csv(noise_table(rules), "noise") if format is Format.CSV else rules


class LearningOut(BaseModel):
    """The learning report's counts and the rates made of them."""

    reviews_due: int
    reviews_on_time: int
    review_on_time_rate: float | None
    actions_due: int
    actions_on_time: int
    action_on_time_rate: float | None
    open_actions: int
    open_action_age_p50: float | None
    open_action_age_p90: float | None
    incidents: int
    repeats: int
    repeat_rate: float | None
    near_misses: int
    near_misses_per_incident: float | None

    @classmethod
    def of(cls, r: Learning) -> LearningOut:
        return cls(
            **{f: getattr(r, f) for f in cls.model_fields},
        )


@router.get("/learning", responses=CSV_TOO, response_model=LearningOut)
def learning_report(
    request: Request,
    who: Viewer,
    start: From = None,
    end: To = None,
    service: Ref = None,
    team: Ref = None,
    schedule: Ref = None,
    person: Ref = None,
    severity: Annotated[str | None, Query(max_length=4)] = None,
    format: Format = Format.JSON,
) -> LearningOut | Response:
    """Review on-time rate, corrective-action on-time rate and the open actions' age (seconds,
    p50/p90), repeat rate (incidents like one already reviewed), near misses per incident."""
    given = filters(request, who, start, end, service, team, schedule, person, severity)
    report = _reports(request).learning(given)
    return _csv(learning_table(report), "learning") if format is Format.CSV else LearningOut.of(report)


class ServiceMonthOut(BaseModel):
    service: str
    month: str
    requests: float
    errors: float
    error_budget: float | None
    budget_consumed: float | None
    minutes: dict[str, float]

    @classmethod
    def of(cls, m: ServiceMonth) -> ServiceMonthOut:
        return cls(**{f: getattr(m, f) for f in cls.model_fields})


@router.get("/slo", responses=CSV_TOO, response_model=list[ServiceMonthOut])
def slo_report(
    request: Request,
    who: Viewer,
    start: From = None,
    end: To = None,
    service: Ref = None,
    team: Ref = None,
    schedule: Ref = None,
    person: Ref = None,
    severity: Annotated[str | None, Query(max_length=4)] = None,
    format: Format = Format.JSON,
) -> list[ServiceMonthOut] | Response:
    """Per service and UTC month: requests and errors, the error budget consumed (the error ratio
    over 1 - the objective), and the minutes its incidents spent in each status."""
    given = filters(request, who, start, end, service, team, schedule, person, severity)
    months = _reports(request).slo(given)
    return _csv(slo_table(months), "slo") if format is Format.CSV else [ServiceMonthOut.of(m) for m in months]
