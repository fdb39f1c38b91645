"""The weekly digest (pure): the week's figures as the reports compute them, and what the message
says (the same text by email and in chat; the email adds an HTML table of the headline facts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from onwatch.kernel.enums import Severity
from onwatch.reports.domain.bands import HourBand
from onwatch.reports.domain.results import Learning, Measure, PersonLoad, ResponseRow, RuleNoise

WEEK = timedelta(days=7)
TOP_RULES = 3  # the noisiest rules a digest names


@dataclass(frozen=True)
class WeekFigures:
    """What a digest reports over [start, end): each figure from the report that defines it."""

    start: datetime
    end: datetime
    zone: str
    pages: int  # pages to people (the load report's, summed)
    sleep_pages: int  # of them, in the paged person's sleep hours (the dashboard strip's)
    paged_groups: int  # alert groups that paged someone (the response report's)
    unacknowledged: int  # of them, never acknowledged
    overall: list[ResponseRow]  # every severity together
    by_severity: list[ResponseRow]  # per severity, the services together (None: groups of no incident)
    noisiest: list[RuleNoise]
    people: list[PersonLoad]  # on call or paged in the week
    learning: Learning


def duration(seconds: float | None) -> str:
    """A response time as people read it: seconds under a minute, minutes under two hours, else hours."""
    if seconds is None:
        return "n/a"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


def percent(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio * 100:.0f}%"


def times(row: ResponseRow | None) -> str:
    """'p50 2.0m, p90 5.0m (n 3)', or 'none' when nothing was measured."""
    if row is None:
        return "none"
    return f"p50 {duration(row.p50)}, p90 {duration(row.p90)} (n {row.n})"


def _measure(rows: list[ResponseRow], severity: Severity | None, measure: Measure) -> ResponseRow | None:
    return next((r for r in rows if r.severity == severity and r.measure is measure), None)


def severity_name(severity: Severity | None) -> str:
    return "no incident" if severity is None else severity.label


def response_lines(f: WeekFigures) -> list[str]:
    """MTTA and MTTR, all together then per severity (the most severe first)."""
    lines = [
        f"- all: acknowledge {times(_measure(f.overall, None, Measure.ACKNOWLEDGE))}; "
        f"resolve {times(_measure(f.overall, None, Measure.RESOLVE))}"
    ]
    severities = sorted(
        {r.severity for r in f.by_severity}, key=lambda s: 9 if s is None else int(s)
    )  # fmt: skip
    for severity in severities:
        ack = _measure(f.by_severity, severity, Measure.ACKNOWLEDGE)
        resolve = _measure(f.by_severity, severity, Measure.RESOLVE)
        line = f"- {severity_name(severity)}: acknowledge {times(ack)}"
        if severity is not None:  # groups of no incident are never resolved as incidents
            line += f"; resolve {times(resolve)}"
        lines.append(line)
    return lines


def rule_line(rank: int, rule: RuleNoise) -> str:
    verdicts = sum(rule.feedback.values())
    ratio = (
        f"actionable {percent(rule.actionable_ratio)} of {verdicts} verdicts" if verdicts else "no feedback"
    )
    return (
        f"{rank}. {rule.integration}/{rule.alertname}: {rule.pages} pages, {rule.groups} groups, "
        f"{percent(rule.auto_resolved_share)} resolved unacknowledged, {ratio}"
    )


def person_line(p: PersonLoad) -> str:
    bands = ", ".join(f"{p.interruptions[b]} {b.value.replace('_', '-')}" for b in HourBand)
    return f"- {p.name}: {p.hours_on_call:g} h on call, {p.total_interruptions} interruptions ({bands})"


def learning_line(learning: Learning) -> str:
    return (
        f"reviews on time {learning.reviews_on_time} of {learning.reviews_due} "
        f"({percent(learning.review_on_time_rate)}); corrective actions on time "
        f"{learning.actions_on_time} of {learning.actions_due} ({percent(learning.action_on_time_rate)})"
    )


def _local(f: WeekFigures, at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(f.zone))


def title(f: WeekFigures) -> str:
    first, last = _local(f, f.start), _local(f, f.end - timedelta(seconds=1))
    return f"Week {first:%d %b} to {last:%d %b %Y}: {f.pages} pages, {f.sleep_pages} in sleep hours"


def text(f: WeekFigures) -> str:
    """The digest's body (plain text: the email's text part, and the chat post)."""
    lines = [
        f"The 7 days from {_local(f, f.start):%a %d %b %H:%M} to {_local(f, f.end):%a %d %b %H:%M} "
        f"({f.zone}).",
        f"Pages: {f.pages}, {f.sleep_pages} in the paged person's sleep hours (22:00 to 08:00).",
        f"Alert groups that paged: {f.paged_groups}, {f.unacknowledged} never acknowledged.",
        "Time to acknowledge and to resolve:",
        *response_lines(f),
        "Noisiest alert rules:" if f.noisiest else "Noisiest alert rules: none paged.",
        *(rule_line(i, r) for i, r in enumerate(f.noisiest, start=1)),
        "On call:" if f.people else "On call: nobody was on call or paged.",
        *(person_line(p) for p in f.people),
        f"Learning: {learning_line(f.learning)}.",
    ]
    return "\n".join(lines)


def facts(f: WeekFigures) -> dict[str, str]:
    """The headline figures as key/value lines (the email's table, chat's fields)."""
    found = {
        "Pages": str(f.pages),
        "Sleep-hour pages": str(f.sleep_pages),
        "Unacknowledged": f"{f.unacknowledged} of {f.paged_groups}",
        "Acknowledge": times(_measure(f.overall, None, Measure.ACKNOWLEDGE)),
        "Resolve": times(_measure(f.overall, None, Measure.RESOLVE)),
    }
    if f.noisiest:
        top = f.noisiest[0]
        found["Noisiest rule"] = f"{top.alertname} ({top.pages} pages)"
    found["Reviews on time"] = percent(f.learning.review_on_time_rate)
    found["Corrective actions on time"] = percent(f.learning.action_on_time_rate)
    return found
