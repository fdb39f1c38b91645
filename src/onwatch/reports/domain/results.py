"""What the reports answer: plain rows, the same for the API, the CSV, the CLI and the web page."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from onwatch.kernel.enums import Severity
from onwatch.reports.domain.bands import HourBand


class Measure(StrEnum):
    """The response times (README "Reports" defines each)."""

    ACKNOWLEDGE = "acknowledge"
    DETECT = "detect"
    MITIGATE = "mitigate"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class ResponseRow:
    period: str  # first day of the week or month (YYYY-MM-DD), or "all" for the whole range
    service: str  # "" for incidents that name no service
    severity: Severity | None  # None: alert groups that are part of no incident (acknowledge only)
    measure: Measure
    n: int
    mean: float | None  # seconds
    p50: float | None
    p90: float | None


@dataclass(frozen=True)
class Unacknowledged:
    period: str
    service: str
    severity: Severity | None
    paged: int  # alert groups that paged someone
    unacknowledged: int  # never acknowledged: left out of the acknowledge times, counted here


@dataclass(frozen=True)
class ResponseReport:
    rows: list[ResponseRow]
    unacknowledged: list[Unacknowledged]


@dataclass(frozen=True)
class PersonLoad:
    person: str
    name: str
    zone: str
    hours_on_call: float
    eoc_hours: float
    pages: int
    interruptions: dict[HourBand, int]
    incidents_on_eoc: int
    incidents_per_12h: float | None  # against the SRE bound of 2

    @property
    def total_interruptions(self) -> int:
        return sum(self.interruptions.values())


@dataclass(frozen=True)
class RotationFairness:
    schedule: str
    people: list[str]
    hours_gini: float | None  # 0: shared evenly
    pages_gini: float | None
    sleep_gini: float | None


@dataclass(frozen=True)
class LoadReport:
    people: list[PersonLoad]
    rotations: list[RotationFairness]
    windows_over_bound: int  # 12-hour windows of the range with more than 2 incidents
    most_in_a_window: int


@dataclass(frozen=True)
class RuleNoise:
    integration: str
    alertname: str
    groups: int
    pages: int
    auto_resolved: int  # resolved without anyone acknowledging
    flaps: int  # times its groups were flagged flapping
    median_open: float | None  # seconds, resolved groups
    feedback: dict[str, int]
    actionable_ratio: float | None  # actionable / all feedback
    group_ids: list[int]  # its most recent groups, newest first

    @property
    def auto_resolved_share(self) -> float | None:
        return self.auto_resolved / self.groups if self.groups else None


@dataclass(frozen=True)
class Learning:
    """Whether incidents are learnt from (README "Reports" defines each)."""

    reviews_due: int  # incident reviews of the range past their due date, or completed
    reviews_on_time: int  # completed by their due date
    actions_due: int  # corrective actions past due or done (won't-do ones left out)
    actions_on_time: int  # done by their due date
    open_actions: int
    open_action_age_p50: float | None  # seconds, at the report's end
    open_action_age_p90: float | None
    incidents: int
    repeats: int  # incidents like one already reviewed: same alert, or same service and cause
    near_misses: int

    @staticmethod
    def _ratio(part: int, whole: int) -> float | None:
        return round(part / whole, 3) if whole else None

    @property
    def review_on_time_rate(self) -> float | None:
        return self._ratio(self.reviews_on_time, self.reviews_due)

    @property
    def action_on_time_rate(self) -> float | None:
        return self._ratio(self.actions_on_time, self.actions_due)

    @property
    def repeat_rate(self) -> float | None:
        return self._ratio(self.repeats, self.incidents)

    @property
    def near_misses_per_incident(self) -> float | None:
        return self._ratio(self.near_misses, self.incidents)


@dataclass(frozen=True)
class ServiceMonth:
    """A service's month: its error budget consumed, and minutes its incidents spent per status."""

    service: str
    month: str  # YYYY-MM-01 (UTC)
    requests: float
    errors: float
    error_budget: float | None  # 1 - the error_ratio objective; None: the service has none
    minutes: dict[str, float]  # incident status -> minutes (overlapping incidents each count)

    @property
    def budget_consumed(self) -> float | None:
        """The share of the month's error budget spent: the error ratio over the budget (1.0: all)."""
        if not self.error_budget or not self.requests:
            return None
        return round(self.errors / self.requests / self.error_budget, 4)
