"""Closed sets of the review process (PROCESS.md §10)."""

from __future__ import annotations

from enum import StrEnum


class ReviewStatus(StrEnum):
    """Draft -> In review -> Completed (reopening a completed review puts it back in review)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    COMPLETED = "completed"

    @property
    def title(self) -> str:  # type: ignore[override]
        return {"draft": "Draft", "in_review": "In review", "completed": "Completed"}[self.value]


class ReviewKind(StrEnum):
    """A review of an incident, or of a near miss (an event that could have caused one)."""

    INCIDENT = "incident"
    NEAR_MISS = "near_miss"


class RootCause(StrEnum):
    """Root-cause categories, PROCESS.md §10."""

    SOFTWARE_CHANGE = "Software-Change"
    FEATURE_FLAG = "Feature-Flag"
    CONFIG_CHANGE = "Config-Change"
    SPOF = "SPoF"
    MALICIOUS_TRAFFIC = "Malicious-Traffic"
    SATURATION = "Saturation"
    EXTERNAL_DEPENDENCY = "External-Dependency"
    RELEASE_COMPATIBILITY = "Release-Compatibility"
    SECURITY = "Security"
    FLAKY_TEST = "Flaky-Test"
    INDETERMINATE = "Indeterminate"

    @classmethod
    def parse(cls, value: object) -> RootCause:
        """Accept the category in any case ("saturation", "SPoF", "software_change")."""
        text = str(value).strip().lower().replace("_", "-")
        for cause in cls:
            if cause.value.lower() == text:
                return cause
        raise ValueError(
            f"unknown root-cause category {value!r}; use one of {', '.join(c.value for c in cls)}"
        )


class ActionStatus(StrEnum):
    """A corrective action: open, in progress, done, or won't do (with a reason)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"

    @property
    def closed(self) -> bool:
        return self in (ActionStatus.DONE, ActionStatus.WONT_DO)


class KeyEventTag(StrEnum):
    """What a key timeline event was for the response."""

    DETECTION = "detection"
    DIAGNOSIS = "diagnosis"
    REPAIR = "repair"
    KEY_MOMENT = "key_moment"


class ReviewEventKind(StrEnum):
    """What an entry of a review's own history records."""

    CREATED = "created"
    OPENED = "opened"
    EDITED = "edited"
    SUBMITTED = "submitted"
    COMPLETED = "completed"
    REOPENED = "reopened"
    OWNER_CHANGED = "owner_changed"
    KEY_EVENT = "key_event"
    REMINDER = "reminder"
    ACTION_ADDED = "action_added"
    ACTION_CHANGED = "action_changed"
