"""Each report as one table (columns and rows of text): what the CSV download, the CLI and the
table beside each chart show, so the three never disagree."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from onwatch.kernel.enums import Status
from onwatch.reports.domain.bands import HourBand
from onwatch.reports.domain.results import Learning, LoadReport, ResponseReport, RuleNoise, ServiceMonth

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Cell]]

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self.columns)
        writer.writerows([["" if c is None else c for c in row] for row in self.rows])
        return buffer.getvalue()


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def response_table(report: ResponseReport) -> Table:
    unacked = {(u.period, u.service, u.severity): u for u in report.unacknowledged}
    rows: list[list[Cell]] = []
    for r in report.rows:
        u = unacked.get((r.period, r.service, r.severity))
        rows.append(
            [
                r.period,
                r.service,
                r.severity.label if r.severity else "",
                r.measure.value,
                r.n,
                minutes(r.mean),
                minutes(r.p50),
                minutes(r.p90),
                u.unacknowledged if u and r.measure.value == "acknowledge" else None,
            ]
        )
    columns = [
        "period",
        "service",
        "severity",
        "measure",
        "n",
        "mean_min",
        "p50_min",
        "p90_min",
        "unacknowledged",
    ]
    return Table(columns, rows)


def load_table(report: LoadReport) -> Table:
    columns = [
        "person", "zone", "hours_on_call", "eoc_hours", "pages",
        *(f"interruptions_{b.value}" for b in HourBand),
        "incidents_on_eoc", "incidents_per_12h",
    ]  # fmt: skip
    rows: list[list[Cell]] = [
        [
            p.person,
            p.zone,
            p.hours_on_call,
            p.eoc_hours,
            p.pages,
            *(p.interruptions[b] for b in HourBand),
            p.incidents_on_eoc,
            p.incidents_per_12h,
        ]
        for p in report.people
    ]
    return Table(columns, rows)


def noise_table(rules: Sequence[RuleNoise]) -> Table:
    columns = [
        "integration", "alertname", "groups", "pages", "auto_resolved_share", "flaps", "median_open_min",
        "actionable", "not_actionable", "incorrect", "flappy", "actionable_ratio",
    ]  # fmt: skip
    rows: list[list[Cell]] = [
        [
            r.integration,
            r.alertname,
            r.groups,
            r.pages,
            None if r.auto_resolved_share is None else round(r.auto_resolved_share, 3),
            r.flaps,
            minutes(r.median_open),
            *(r.feedback.get(k, 0) for k in ("actionable", "not_actionable", "incorrect", "flappy")),
            r.actionable_ratio,
        ]
        for r in rules
    ]
    return Table(columns, rows)


def learning_table(report: Learning) -> Table:
    """One row per figure: name, value, and what it counts."""
    rows: list[list[Cell]] = [
        [
            "review_on_time_rate",
            report.review_on_time_rate,
            f"{report.reviews_on_time} of {report.reviews_due} due",
        ],
        [
            "action_on_time_rate",
            report.action_on_time_rate,
            f"{report.actions_on_time} of {report.actions_due} due",
        ],
        ["open_actions", report.open_actions, "open or in progress"],
        ["open_action_age_p50_days", days(report.open_action_age_p50), "age of the open actions"],
        ["open_action_age_p90_days", days(report.open_action_age_p90), "age of the open actions"],
        ["repeat_rate", report.repeat_rate, f"{report.repeats} of {report.incidents} incidents"],
        ["near_misses_per_incident", report.near_misses_per_incident, f"{report.near_misses} near misses"],
    ]
    return Table(["figure", "value", "of"], rows)


def days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 86400, 1)


def slo_table(months: Sequence[ServiceMonth]) -> Table:
    columns = ["service", "month", "requests", "errors", "error_budget", "budget_consumed"]
    columns += [f"minutes_{s.value}" for s in Status]
    rows: list[list[Cell]] = [
        [
            m.service, m.month, m.requests, m.errors, m.error_budget, m.budget_consumed,
            *(m.minutes.get(s.value, 0.0) for s in Status),
        ]
        for m in months
    ]  # fmt: skip
    return Table(columns, rows)
