"""`reviews:` section of the configuration: which resolved incidents get a review, when the engine
reminds, and where corrective actions are mirrored (a signed webhook, a GitHub or GitLab tracker)."""

from __future__ import annotations

from datetime import time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from onwatch.config.types import Duration, Url
from onwatch.kernel.enums import Severity


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrackerType(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"


class TrackerConfig(_Strict):
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


class ReviewsConfig(_Strict):
    required: list[Severity] = Field(
        default_factory=lambda: [Severity.S1, Severity.S2],
        description="severities whose resolution creates a review (and any labelled review-requested)",
    )
    evening: time = Field(default=time(17, 0), description="the owner's local hour of the same-day reminder")
    remind_before: Duration = timedelta(days=2)
    remind_after: Duration = timedelta(days=1)
    webhook: str | None = Field(
        default=None, description="a webhook channel that hears of every corrective action change"
    )
    tracker: TrackerConfig | None = None

    @field_validator("required", mode="before")
    @classmethod
    def _severities(cls, value: Any) -> Any:
        return [Severity.parse(v) for v in value] if isinstance(value, list) else value
