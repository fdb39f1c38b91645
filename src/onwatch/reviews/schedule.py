"""The review's and corrective actions' reminders as durable engine timers (reviews/timers.py runs
them). Each reminder has its own dedup key, so scheduling twice reminds once."""

from __future__ import annotations

from datetime import datetime

from onwatch.config.cache import AppliedConfig
from onwatch.config.reviews import ReviewsConfig
from onwatch.db.uow import UnitOfWork
from onwatch.reviews.domain.actions import CorrectiveAction
from onwatch.reviews.domain.policy import due_reminders, evening_reminder_at
from onwatch.reviews.domain.review import Review

REVIEW_REMINDER = "review_reminder"
ACTION_REMINDER = "action_reminder"


def review_timer_prefix(review_id: int) -> str:
    return f"review:{review_id}:"


def action_timer_prefix(action_id: int) -> str:
    return f"action:{action_id}:"


def settings_of(applied: AppliedConfig | None) -> ReviewsConfig:
    return applied.config.reviews if applied is not None else ReviewsConfig()


def person_zone(applied: AppliedConfig | None, person_id: str) -> str:
    if applied is None:
        return "UTC"
    person = applied.config.people.get(person_id)
    return person.timezone if person is not None else applied.config.organisation.timezone


def schedule_review(uow: UnitOfWork, applied: AppliedConfig | None, review: Review, now: datetime) -> None:
    """The same-evening reminder to the owner (until they start it), and the due-date reminders."""
    assert review.id is not None
    settings = settings_of(applied)
    prefix = review_timer_prefix(review.id)
    if review.started_at is None:
        at = evening_reminder_at(review.created_at, person_zone(applied, review.owner_id), settings.evening)
        if at > now:
            uow.timers.schedule(
                REVIEW_REMINDER, at, {"review_id": review.id, "stage": "evening"}, f"{prefix}evening", now
            )
    for reminder in due_reminders(review.due_at, settings.remind_before, settings.remind_after):
        key = f"{prefix}{reminder.stage}:{review.due_at.isoformat()}"
        uow.timers.schedule(
            REVIEW_REMINDER,
            max(reminder.at, now),
            {"review_id": review.id, "stage": reminder.stage},
            key,
            now,
        )


def schedule_action(
    uow: UnitOfWork, applied: AppliedConfig | None, action: CorrectiveAction, now: datetime
) -> None:
    assert action.id is not None
    settings = settings_of(applied)
    uow.timers.cancel_timers(action_timer_prefix(action.id))
    if action.status.closed:
        return
    reminders = due_reminders(action.due_at, settings.remind_before, settings.remind_after)
    passed = [r for r in reminders if r.at <= now]
    for reminder in reminders:
        # of the reminders whose time has passed (an action added late, changed or reopened), only
        # the latest goes out now, and never "due soon": an overdue action is not "due today"
        if reminder.at <= now and (reminder.stage == "before" or reminder is not passed[-1]):
            continue
        key = f"{action_timer_prefix(action.id)}{reminder.stage}:{action.due_at.isoformat()}"
        uow.timers.schedule(
            ACTION_REMINDER,
            max(reminder.at, now),
            {"action_id": action.id, "stage": reminder.stage},
            key,
            now,
        )
