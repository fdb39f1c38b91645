"""`reviews:` section of the configuration: which resolved incidents get a review, when the engine
reminds, and where corrective actions are mirrored (a signed webhook, a GitHub or GitLab tracker)."""

from __future__ import annotations

from datetime import time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from onwatch.config.base import Strict
from onwatch.config.schedules import Day, WallTime
from onwatch.config.types import Duration, TimeZone, Url
from onwatch.kernel.enums import Severity
from onwatch.oncall.domain.schedules import Weekday


class TrackerType(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"


class TrackerConfig(Strict):
    """Open an issue in the production tracker for each corrective action."""

    type: TrackerType
    api_url: Url = Field(description="https://api.github.com, or https://gitlab.example/api/v4")
    project: str = Field(
        min_length=1, max_length=200, description="owner/repo (GitHub) or the project id or path (GitLab)"
    )
    token_env: str = Field(
        default="ONWATCH_TRACKER_TOKEN",
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="environment variable holding the token",
    )
    labels: list[str] = Field(default_factory=lambda: ["corrective-action"])


class DigestEvery(StrEnum):
    WEEK = "week"
    DAY = "day"
    NEVER = "never"


class DigestZone(StrEnum):
    OWNER = "owner"  # each owner at the hour of their own zone (people.<id>.timezone)
    ORGANISATION = "organisation"  # everyone at the organisation's (or `timezone`'s) hour


class DigestConfig(Strict):
    """The overdue digest: overdue reviews and corrective actions, sent on a schedule to their
    owners, and in full to the IMOC on call (unless `imoc` is false), `to` and `channel`."""

    every: DigestEvery = DigestEvery.WEEK
    weekday: Day = Field(default=Weekday.MON, description="the day of a weekly digest")
    at: WallTime = Field(default=time(9, 0), description="the local hour it goes out")
    zone: DigestZone = DigestZone.OWNER
    timezone: TimeZone | None = Field(
        default=None, description="the zone of the full digest (default: the organisation's)"
    )
    to: list[str] = Field(default_factory=list, description="people who get the full digest")
    channel: str | None = Field(default=None, description="a channel that gets the full digest")
    imoc: bool = Field(default=True, description="the IMOC on call at its hour gets the full digest too")


class ReviewsConfig(Strict):
    required: list[Severity] = Field(
        default_factory=lambda: [Severity.S1, Severity.S2],
        description="severities whose resolution creates a review (and any labelled review-requested)",
    )
    optional: list[Severity] = Field(
        default_factory=lambda: [Severity.S3, Severity.S4],
        description="severities that may have a review when someone asks for one (others may not)",
    )
    evening: time = Field(default=time(17, 0), description="the owner's local hour of the same-day reminder")
    remind_before: Duration = timedelta(days=2)
    remind_after: Duration = timedelta(days=1)
    webhook: str | None = Field(
        default=None, description="a webhook channel that hears of every corrective action change"
    )
    tracker: TrackerConfig | None = None
    digest: DigestConfig = Field(default_factory=DigestConfig)

    @field_validator("required", "optional", mode="before")
    @classmethod
    def _severities(cls, value: Any) -> Any:
        return [Severity.parse(v) for v in value] if isinstance(value, list) else value
