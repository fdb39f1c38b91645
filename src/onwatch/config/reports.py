"""`reports:` section of the configuration: the weekly digest of the reports' numbers (the last 7
days' pages, response times, noisiest rules, on-call load and learning), sent by the engine to the
people and the chat channel named (reports/digest)."""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from pydantic import Field, model_validator

from onwatch.config.base import Strict
from onwatch.config.schedules import Day, WallTime
from onwatch.config.types import TimeZone
from onwatch.oncall.domain.schedules import Weekday


class ReportDigestEvery(StrEnum):
    WEEK = "week"
    NEVER = "never"


class ReportDigestConfig(Strict):
    """The weekly digest: the 7 days up to the digest, to `to` (email) and `channel` (chat)."""

    every: ReportDigestEvery = ReportDigestEvery.WEEK
    weekday: Day = Field(default=Weekday.MON, description="the day it goes out")
    at: WallTime = Field(default=time(9, 0), description="the local hour it goes out")
    timezone: TimeZone | None = Field(
        default=None, description="the zone of `at` (default: the organisation's)"
    )
    to: list[str] = Field(default_factory=list, description="people who get it by email")
    channel: str | None = Field(default=None, description="a chat channel that gets it")

    @model_validator(mode="after")
    def _somebody(self) -> ReportDigestConfig:
        if self.every is ReportDigestEvery.WEEK and not self.to and self.channel is None:
            raise ValueError("a digest goes to someone: name people in `to` or a `channel`")
        if len(set(self.to)) != len(self.to):
            raise ValueError("`to` names a person twice")
        return self


class ReportsConfig(Strict):
    digest: ReportDigestConfig | None = Field(default=None, description="the weekly digest (none by default)")
