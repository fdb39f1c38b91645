"""/reports, /reports/load, /reports/noise: each report as a chart with its table beside it, the
filters as a form, and the same table as a CSV download (/reports/<name>.csv)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onwatch.kernel.enums import Severity
from onwatch.kernel.errors import InvalidInput
from onwatch.reports.charts import Chart, learning_chart, load_chart, noise_chart, response_chart, slo_chart
from onwatch.reports.domain.filters import Period
from onwatch.reports.queries import Filters, Reports
from onwatch.reports.tables import Table, learning_table, load_table, noise_table, response_table, slo_table
from onwatch.web.auth import WebUser
from onwatch.web.context import Web, signed_in, web

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
W = Annotated[Web, Depends(web)]

PAGES = {
    "response": "Response times", "load": "On-call load", "noise": "Alert noise", "learning": "Learning",
    "slo": "SLOs",
}  # fmt: skip


@dataclass(frozen=True)
class Form:
    """The filter form as given (text), shown back as it was typed."""

    start: str = ""
    end: str = ""
    service: str = ""
    team: str = ""
    schedule: str = ""
    person: str = ""
    severity: str = ""
    period: str = "week"

    def query(self) -> str:
        from urllib.parse import urlencode

        given = {_KEYS[k]: v for k, v in self.__dict__.items() if v and not (k == "period" and v == "week")}
        return urlencode(given)


def _form(request: Request) -> Form:
    q = request.query_params
    return Form(**{name: q.get(key, "")[:64] for name, key in _KEYS.items() if key in q})


_KEYS = {
    "start": "from", "end": "to", "service": "service", "team": "team", "schedule": "schedule",
    "person": "person", "severity": "severity", "period": "period",
}  # fmt: skip


def _day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("give a date such as 2026-12-01", field=field) from None


def filters(form: Form, w: Web, user: WebUser) -> Filters:
    """Whole UTC days: `from` at 00:00 to the end of `to` (default: the 28 days up to now)."""
    first, last = _day(form.start, "from"), _day(form.end, "to")
    end = datetime.combine(last + timedelta(days=1), time(), UTC) if last else w.clock.now()
    start = datetime.combine(first, time(), UTC) if first else end - timedelta(days=28)
    try:
        severity = Severity.parse(form.severity) if form.severity else None
    except ValueError as exc:
        raise InvalidInput(str(exc), field="severity") from None
    return Filters(
        start, end, form.service or None, form.team or None, form.schedule or None, form.person or None,
        severity, hidden_incidents=w.hidden(user),
    )  # fmt: skip


def _reports(request: Request) -> Reports:
    reports: Reports = request.app.state.reports
    return reports


def _built(
    request: Request, w: Web, user: WebUser, name: str, form: Form
) -> tuple[Table, Chart, list[list[int]]]:
    """The table, the chart, and per row the alert groups it links to (the noise report's)."""
    given = filters(form, w, user)
    reports = _reports(request)
    if name == "response":
        period = None if form.period == "all" else Period.MONTH if form.period == "month" else Period.WEEK
        overall = reports.response(given, None, split=False)
        return response_table(reports.response(given, period)), response_chart(overall), []
    if name == "load":
        report = reports.load(given)
        return load_table(report), load_chart(report), []
    if name == "slo":
        months = reports.slo(given)
        return slo_table(months), slo_chart(months), []
    if name == "learning":
        learnt = reports.learning(given)
        return learning_table(learnt), learning_chart(learnt), []
    rules = reports.noise(given)
    return noise_table(rules), noise_chart(rules), [r.group_ids for r in rules]


def _page(request: Request, w: Web, user: WebUser, name: str) -> Response:
    form = _form(request)
    options = _options(w)
    try:
        table, chart, links = _built(request, w, user, name, form)
    except InvalidInput as exc:
        return w.page(
            request, "reports.html", user, status_code=400, report=name, pages=PAGES, form=form,
            error=f"{exc.field}: {exc.message}" if exc.field else exc.message, table=None, chart=None,
            links=[], **options,
        )  # fmt: skip
    return w.page(
        request, "reports.html", user, report=name, pages=PAGES, form=form, error=None, table=table,
        chart=chart, links=links, **options,
    )  # fmt: skip


def _options(w: Web) -> dict[str, Any]:
    with w.db.read() as uow:
        config = w.cache.get(uow).config
    return {
        "services": sorted(config.services),
        "teams": sorted(config.teams),
        "schedules": sorted(config.schedules),
        "people": sorted(config.people),
    }


@router.get("/reports")
def response_page(request: Request, w: W, user: User) -> Response:
    return _page(request, w, user, "response")


@router.get("/reports/load")
def load_page(request: Request, w: W, user: User) -> Response:
    return _page(request, w, user, "load")


@router.get("/reports/noise")
def noise_page(request: Request, w: W, user: User) -> Response:
    return _page(request, w, user, "noise")


@router.get("/reports/learning")
def learning_page(request: Request, w: W, user: User) -> Response:
    return _page(request, w, user, "learning")


@router.get("/reports/slo")
def slo_page(request: Request, w: W, user: User) -> Response:
    return _page(request, w, user, "slo")


@router.get("/reports/{name}.csv")
def report_csv(name: str, request: Request, w: W, user: User) -> Response:
    if name not in PAGES:
        return w.page(request, "not_found.html", user, status_code=404, what=f"report {name[:40]!r}")
    try:
        table, _, _ = _built(request, w, user, name, _form(request))
    except InvalidInput as exc:
        return Response(f"{exc.field}: {exc.message}\n", status_code=400, media_type="text/plain")
    return Response(
        table.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="onwatch-{name}.csv"'},
    )
