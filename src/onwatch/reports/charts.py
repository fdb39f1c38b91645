"""What each report's chart draws, as the data Chart.js reads (the page embeds it as JSON; the
table beside the chart holds the same numbers for screen readers and for copying)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from onwatch.reports.domain.bands import HourBand
from onwatch.reports.domain.results import (
    Learning,
    LoadReport,
    Measure,
    ResponseReport,
    RuleNoise,
    ServiceMonth,
)
from onwatch.reports.tables import minutes

NOISIEST = 15


class Dataset(TypedDict):
    label: str
    data: list[float | int | None]
    series: int  # which of the theme's colours (reports.js)


class Chart(TypedDict):
    kind: str  # "bar" or "hbar"
    title: str
    unit: str
    stacked: bool
    labels: list[str]
    datasets: list[Dataset]


def response_chart(overall: ResponseReport) -> Chart:
    """p50 and p90 of each measure over the whole range, every service and severity together."""
    by_measure = {r.measure: r for r in overall.rows}
    measures = list(Measure)
    return Chart(
        kind="bar",
        title="Response times (minutes)",
        unit="minutes",
        stacked=False,
        labels=[f"time to {m.value}" for m in measures],
        datasets=[
            Dataset(
                label=name,
                data=[minutes(getattr(by_measure[m], name)) if m in by_measure else None for m in measures],
                series=i,
            )
            for i, name in enumerate(("p50", "p90"))
        ],
    )


BAND_LABELS = {
    HourBand.BUSINESS: "business hours",
    HourBand.OFF_HOURS: "off-hours",
    HourBand.SLEEP: "sleep hours",
}


def load_chart(report: LoadReport) -> Chart:
    """Interruptions per person, stacked by hour band."""
    return Chart(
        kind="bar",
        title="Interruptions per person by hour band",
        unit="interruptions",
        stacked=True,
        labels=[p.name for p in report.people],
        datasets=[
            Dataset(label=BAND_LABELS[b], data=[float(p.interruptions[b]) for p in report.people], series=i)
            for i, b in enumerate(HourBand)
        ],
    )


def noise_chart(rules: Sequence[RuleNoise]) -> Chart:
    """Alert groups per rule, split by whether anyone acknowledged, the noisiest rules first."""
    top = list(rules)[:NOISIEST]
    return Chart(
        kind="hbar",
        title="Alert groups per rule, the noisiest first",
        unit="groups",
        stacked=True,
        labels=[f"{r.alertname} ({r.integration})" for r in top],
        datasets=[
            Dataset(
                label="acknowledged or open", data=[float(r.groups - r.auto_resolved) for r in top], series=0
            ),
            Dataset(
                label="resolved without acknowledgement", data=[float(r.auto_resolved) for r in top], series=2
            ),
        ],
    )


def learning_chart(report: Learning) -> Chart:
    """The four rates, as shares (0 to 1)."""
    rates = {
        "reviews on time": report.review_on_time_rate,
        "actions on time": report.action_on_time_rate,
        "repeat incidents": report.repeat_rate,
        "near misses per incident": report.near_misses_per_incident,
    }
    return Chart(
        kind="bar",
        title="Learning (shares of what is due or declared)",
        unit="share",
        stacked=False,
        labels=list(rates),
        datasets=[Dataset(label="share", data=list(rates.values()), series=0)],
    )


def slo_chart(months: Sequence[ServiceMonth]) -> Chart:
    """Error budget consumed per service and month (1.0: the whole budget)."""
    return Chart(
        kind="bar",
        title="Error budget consumed (1.0 = all of it)",
        unit="share",
        stacked=False,
        labels=[f"{m.service} {m.month[:7]}" for m in months],
        datasets=[Dataset(label="budget consumed", data=[m.budget_consumed for m in months], series=1)],
    )
