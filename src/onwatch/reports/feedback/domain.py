"""Feedback and follow-up items, pure: what a verdict or comment may say, what a follow-up is and
how it closes. Time comes from the caller (the injected clock)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from onwatch.kernel.enums import FeedbackChoice
from onwatch.kernel.errors import DomainError, InvalidInput

MAX_COMMENT = 5000
MAX_CLOSE_NOTE = 2000


class FollowUpStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Feedback:
    """One entry of a group's thread: a verdict with an optional comment, or a comment alone."""

    group_id: int
    choice: FeedbackChoice | None
    comment: str
    author: str
    interface: str
    created_at: datetime
    id: int | None = None

    @property
    def summary(self) -> str:
        """The line the group's timeline shows."""
        said = f"{self.choice.label.lower()}" if self.choice else "a comment"
        text = f"{self.author} marked the page {said}" if self.choice else f"{self.author} commented"
        return f"{text}: {self.comment}" if self.comment else text


def new_feedback(
    group_id: int, choice: FeedbackChoice | None, comment: str, author: str, interface: str, now: datetime
) -> Feedback:
    """A verdict, a comment, or both; an empty entry or an overlong comment is refused."""
    text = comment.strip()
    if choice is None and not text:
        raise InvalidInput(
            "give a choice (actionable, not_actionable, incorrect, flappy) or a comment", field="choice"
        )
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"the comment is longer than {MAX_COMMENT} characters", field="comment")
    return Feedback(group_id, choice, text, author, interface, now)


@dataclass(frozen=True)
class FollowUp:
    """An item to fix the alert rule (alertname + integration) an incorrect or flappy page came from."""

    group_id: int
    reason: FeedbackChoice
    alertname: str
    integration_id: str
    title: str
    owner_id: str | None
    created_by: str
    created_at: datetime
    status: FollowUpStatus = FollowUpStatus.OPEN
    feedback_id: int | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    close_note: str = ""
    id: int | None = None

    @property
    def rule(self) -> str:
        return f"{self.alertname} ({self.integration_id})"

    def close(self, who: str, note: str, now: datetime) -> FollowUp:
        if self.status is FollowUpStatus.CLOSED:
            raise DomainError(f"follow-up {self.id} is already closed", field="follow_up_id")
        text = note.strip()
        if len(text) > MAX_CLOSE_NOTE:
            raise InvalidInput(f"the note is longer than {MAX_CLOSE_NOTE} characters", field="note")
        return replace(self, status=FollowUpStatus.CLOSED, closed_by=who, closed_at=now, close_note=text)


def follow_up_for(
    feedback: Feedback, alertname: str, integration_id: str, owner_id: str | None
) -> FollowUp | None:
    """The follow-up an incorrect or flappy verdict opens; None for the other verdicts."""
    if feedback.choice is None or not feedback.choice.needs_follow_up:
        return None
    what = "flaps (fires and resolves again)" if feedback.choice is FeedbackChoice.FLAPPY else "is incorrect"
    return FollowUp(
        group_id=feedback.group_id,
        reason=feedback.choice,
        alertname=alertname,
        integration_id=integration_id,
        title=f"Alert rule {alertname} ({integration_id}) {what}: fix it",
        owner_id=owner_id,
        created_by=feedback.author,
        created_at=feedback.created_at,
        feedback_id=feedback.id,
    )
