"""The CorrectiveAction aggregate: a follow-up from a review, due by the severity table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from onwatch.kernel.enums import Severity
from onwatch.kernel.errors import InvalidInput
from onwatch.kernel.timeline import Actor
from onwatch.reviews.domain.enums import ActionStatus
from onwatch.reviews.domain.review import clean_reason, clean_title

# PROCESS.md §5, "corrective actions due" (the config's severities.<S>.corrective_actions_due)
DEFAULT_ACTION_DUE: Mapping[Severity, timedelta] = {
    Severity.S1: timedelta(weeks=1),
    Severity.S2: timedelta(days=30),
    Severity.S3: timedelta(days=60),
    Severity.S4: timedelta(days=90),
}
MAX_LINK = 2000


def action_due(
    severity: Severity, now: datetime, due_by: Mapping[Severity, timedelta] = DEFAULT_ACTION_DUE
) -> datetime:
    """When a corrective action of an incident of `severity` is due, counted from `now`."""
    return now + due_by.get(severity, DEFAULT_ACTION_DUE[severity])


def _link(link: str | None) -> str | None:
    text = (link or "").strip()
    if not text:
        return None
    if len(text) > MAX_LINK or not text.startswith(("http://", "https://")):
        raise InvalidInput("link must be an http(s) URL of at most 2000 characters", field="link")
    return text


@dataclass
class CorrectiveAction:
    review_id: int
    title: str
    owner_id: str
    due_at: datetime
    created_at: datetime
    updated_at: datetime
    status: ActionStatus = ActionStatus.OPEN
    link: str | None = None
    reason: str | None = None  # why it won't be done
    external_url: str | None = None  # the issue a tracker created for it
    id: int | None = None
    version: int = 1
    changes: list[str] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        review_id: int,
        title: str,
        owner_id: str,
        severity: Severity,
        now: datetime,
        due_at: datetime | None = None,
        link: str | None = None,
        due_by: Mapping[Severity, timedelta] = DEFAULT_ACTION_DUE,
    ) -> CorrectiveAction:
        """A new open action; without `due_at`, due by the severity table (S1 1 week ... S4 90 days)."""
        due = due_at if due_at is not None else action_due(severity, now, due_by)
        if due <= now:
            raise InvalidInput("the due date is in the past", field="due")
        action = cls(
            review_id=review_id,
            title=clean_title(title),
            owner_id=owner_id,
            due_at=due,
            created_at=now,
            updated_at=now,
            link=_link(link),
        )
        action.changes.append(
            f"corrective action added: {action.title} (owner {owner_id}, due {due:%Y-%m-%d})"
        )
        return action

    def overdue(self, now: datetime) -> bool:
        return not self.status.closed and now > self.due_at

    def change(
        self,
        actor: Actor,
        now: datetime,
        *,
        status: ActionStatus | None = None,
        reason: str | None = None,
        title: str | None = None,
        owner_id: str | None = None,
        due_at: datetime | None = None,
        link: str | None = None,
    ) -> None:
        """Change what is given; won't do needs a reason. Each change is described in `changes`."""
        if title is not None and clean_title(title) != self.title:
            self.title = clean_title(title)
            self.changes.append(f"{actor.name} renamed corrective action #{self.id}: {self.title}")
        if owner_id is not None and owner_id != self.owner_id:
            self.changes.append(f"{actor.name} gave corrective action #{self.id} to {owner_id}")
            self.owner_id = owner_id
        if due_at is not None and due_at != self.due_at:
            if due_at <= now:
                raise InvalidInput("the due date is in the past", field="due")
            self.due_at = due_at
            self.changes.append(f"{actor.name} moved corrective action #{self.id} to {due_at:%Y-%m-%d}")
        if link is not None and _link(link) != self.link:
            self.link = _link(link)
            self.changes.append(f"{actor.name} linked corrective action #{self.id} to {self.link}")
        if status is not None and status is not self.status:
            # any status may follow any other (a dropped action can be picked up again); dropping
            # one needs its reason
            self.reason = clean_reason(reason, "reason") if status is ActionStatus.WONT_DO else None
            previous, self.status = self.status, status
            why = f" ({self.reason})" if self.reason else ""
            self.changes.append(
                f"{actor.name} moved corrective action #{self.id} "
                f"from {previous.value} to {status.value}{why}"
            )
        if self.changes:
            self.updated_at = now
            self.version += 1
