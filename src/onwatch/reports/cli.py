"""`onwatch reports response|load|noise`: the reports as terminal tables, CSV or JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, TypeVar

import typer
from pydantic import TypeAdapter

from onwatch.cli.context import onwatch, reported
from onwatch.kernel.enums import Severity
from onwatch.reports.domain.filters import Period
from onwatch.reports.domain.results import Learning, LoadReport, ResponseReport, RuleNoise, ServiceMonth
from onwatch.reports.queries import Filters
from onwatch.reports.tables import Table, learning_table, load_table, noise_table, response_table, slo_table

T = TypeVar("T")

app = typer.Typer(help="Reports: response times, on-call load, alert noise, learning.", no_args_is_help=True)


class Output(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


Since = Annotated[
    str | None, typer.Option("--from", help="start (ISO 8601 with a zone); default: --days ago")
]
Until = Annotated[str | None, typer.Option("--to", help="end (ISO 8601 with a zone); default: now")]
Days = Annotated[int, typer.Option(help="the range's length when --from is not given", min=1, max=366)]
Service = Annotated[str | None, typer.Option(help="only this service")]
Team = Annotated[str | None, typer.Option(help="only pages to and incidents of this team's members")]
Schedule = Annotated[str | None, typer.Option(help="only this schedule's members")]
Person = Annotated[str | None, typer.Option(help="only this person")]
Sev = Annotated[str | None, typer.Option("--severity", help="only incidents of this severity (S1-S4)")]
Format = Annotated[Output, typer.Option("--format", help="table, csv or json")]


def _instant(value: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{option}: not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise typer.BadParameter(f"{option}: give a time zone: end with Z or an offset such as +01:00")
    return parsed.astimezone(UTC)


def _filters(
    since: str | None,
    until: str | None,
    days: int,
    service: str | None,
    team: str | None,
    schedule: str | None,
    person: str | None,
    severity: str | None,
    now: datetime,
) -> Filters:
    end = _instant(until, "--to") if until else now
    start = _instant(since, "--from") if since else end - timedelta(days=days)
    try:
        level = Severity.parse(severity) if severity else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return Filters(start, end, service, team, schedule, person, level)


def text_table(table: Table) -> str:
    """Columns padded to their widest cell; empty cells as '-'."""
    cells = [table.columns] + [["-" if c is None else str(c) for c in row] for row in table.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def _show(table: Table, data: T, shape: type[T], output: Output) -> None:
    """`shape` is the type of `data`, for its JSON (the API's, through the same pydantic adapter)."""
    if output is Output.CSV:
        typer.echo(table.csv(), nl=False)
    elif output is Output.JSON:
        typer.echo(TypeAdapter(shape).dump_json(data, indent=2).decode())
    else:
        typer.echo(text_table(table) if table.rows else "nothing in this range")


@app.command()
def response(
    since: Since = None,
    until: Until = None,
    days: Days = 28,
    service: Service = None,
    team: Team = None,
    schedule: Schedule = None,
    person: Person = None,
    severity: Sev = None,
    period: Annotated[str, typer.Option(help="week, month or all")] = "week",
    output: Format = Output.TABLE,
) -> None:
    """Time to acknowledge, detect, mitigate, resolve (minutes: n, mean, p50, p90)."""
    if period not in ("week", "month", "all"):
        raise typer.BadParameter("--period: week, month or all")
    ow = onwatch()
    with reported():
        given = _filters(since, until, days, service, team, schedule, person, severity, ow.clock.now())
        report = ow.reports.response(given, None if period == "all" else Period(period))
    _show(response_table(report), report, ResponseReport, output)


@app.command()
def load(
    since: Since = None,
    until: Until = None,
    days: Days = 28,
    service: Service = None,
    team: Team = None,
    schedule: Schedule = None,
    person: Person = None,
    severity: Sev = None,
    output: Format = Output.TABLE,
) -> None:
    """On-call load per person: hours, pages, interruptions by hour band, incidents per 12 h EOC."""
    ow = onwatch()
    with reported():
        given = _filters(since, until, days, service, team, schedule, person, severity, ow.clock.now())
        report = ow.reports.load(given)
    _show(load_table(report), report, LoadReport, output)
    if output is Output.TABLE:
        typer.echo(
            f"\n12-hour windows over the SRE bound of 2 incidents: {report.windows_over_bound} "
            f"(most in one: {report.most_in_a_window})"
        )
        for r in report.rotations:
            typer.echo(f"rotation {r.schedule}: hours Gini {r.hours_gini}, pages Gini {r.pages_gini}")


@app.command()
def noise(
    since: Since = None,
    until: Until = None,
    days: Days = 28,
    service: Service = None,
    team: Team = None,
    schedule: Schedule = None,
    person: Person = None,
    severity: Sev = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    output: Format = Output.TABLE,
) -> None:
    """Alert rules by noise, the noisiest first."""
    ow = onwatch()
    with reported():
        given = _filters(since, until, days, service, team, schedule, person, severity, ow.clock.now())
        rules = ow.reports.noise(given, limit)
    _show(noise_table(rules), rules, list[RuleNoise], output)


@app.command()
def learning(
    since: Since = None,
    until: Until = None,
    days: Days = 90,
    service: Service = None,
    team: Team = None,
    schedule: Schedule = None,
    person: Person = None,
    severity: Sev = None,
    output: Format = Output.TABLE,
) -> None:
    """Reviews and corrective actions on time, open actions' age, repeat rate, near misses."""
    ow = onwatch()
    with reported():
        given = _filters(since, until, days, service, team, schedule, person, severity, ow.clock.now())
        report = ow.reports.learning(given)
    _show(learning_table(report), report, Learning, output)


@app.command()
def slo(
    since: Since = None,
    until: Until = None,
    days: Days = 90,
    service: Service = None,
    output: Format = Output.TABLE,
) -> None:
    """Error budget consumed per service and month, and minutes in each incident status."""
    ow = onwatch()
    with reported():
        given = _filters(since, until, days, service, None, None, None, None, ow.clock.now())
        months = ow.reports.slo(given)
    _show(slo_table(months), months, list[ServiceMonth], output)
