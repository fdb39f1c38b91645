"""What a report covers: a time range and the filters every report accepts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from onwatch.kernel.enums import Severity
from onwatch.kernel.errors import InvalidInput

MAX_RANGE = timedelta(days=367)  # a year, with a leap day and a margin for zones


class Period(StrEnum):
    """How response times are bucketed: ISO weeks (starting Monday) or calendar months, in UTC."""

    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class ReportFilter:
    """[start, end) in UTC; the rest narrows what is counted (None: everything).

    `people` is the set the person, team and schedule filters resolve to (their intersection):
    pages and interruptions to them, incidents and groups that paged one of them.
    """

    start: datetime
    end: datetime
    services: frozenset[str] | None = None
    severity: Severity | None = None
    people: frozenset[str] | None = None
    hidden_incidents: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("give times with a zone (end with Z or an offset)", field="from")
        if self.end <= self.start:
            raise InvalidInput("'to' must be after 'from'", field="to")
        if self.end - self.start > MAX_RANGE:
            raise InvalidInput(f"a report spans at most {MAX_RANGE.days} days", field="to")

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600
