"""The reviews slice's timer kinds (registered through bootstrap's timer-kind registry):

- review_reminder: the same-evening "do not end your work day without starting the RCA" to the
  owner (only while the review is not started), then before, on and after its due date (after it,
  the IMOC too: the review's conductor, or the IMOC on call for a near miss);
- action_reminder: a corrective action before, on and after its due date (after it, the IMOC too:
  the review's conductor, or the IMOC on call for a near miss);
- review_digest: the overdue digest (reviews/digest.py).

Each handler re-reads its aggregate under a row lock and re-checks its rule, and each timer runs
once (its deletion commits with its effects), so every reminder goes out exactly once.
"""

from __future__ import annotations

from datetime import datetime

from onwatch.config.cache import AppliedConfig, ConfigCache
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import UnitOfWork
from onwatch.engine.timers import TimerKinds
from onwatch.kernel.errors import NotFound
from onwatch.notify.base import Notification
from onwatch.paging.outreach import notify_person
from onwatch.reviews.digest import DIGEST, DigestTimer
from onwatch.reviews.domain.actions import CorrectiveAction
from onwatch.reviews.domain.enums import ReviewEventKind, ReviewStatus
from onwatch.reviews.domain.review import Review
from onwatch.reviews.imoc import imoc_on_call
from onwatch.reviews.schedule import ACTION_REMINDER, REVIEW_REMINDER
from onwatch.reviews.store.actions import ActionRepository
from onwatch.reviews.store.reviews import ReviewRepository


def _applied(uow: UnitOfWork, cache: ConfigCache) -> AppliedConfig | None:
    try:
        return cache.get(uow)
    except NotFound:
        return None


def _tell(
    uow: UnitOfWork,
    applied: AppliedConfig | None,
    people: list[str],
    title: str,
    text: str,
    key: str,
    now: datetime,
    ref: dict[str, object],
    link: str,
) -> list[str]:
    told: list[str] = []
    if applied is None:
        return told
    for person in dict.fromkeys(people):
        note = Notification(
            kind="reminder", title=title, text=text, recipient=person, links={"review": link}, ref=dict(ref)
        )
        if notify_person(uow, applied, person, note, f"{key}:{person}", now, key, first_method_only=True):
            told.append(person)
    return told


def _review_text(review: Review, stage: str) -> tuple[str, str]:
    what = f"review #{review.id}: {review.title}"
    if stage == "evening":
        return (
            f"Start the RCA of {what}",
            "Do not end your work day without starting the RCA: the incident resolved today and you own "
            f"its review (due {review.due_at:%Y-%m-%d}).",
        )
    if stage == "before":
        return f"Review due soon: {what}", f"The review is due on {review.due_at:%Y-%m-%d %H:%M} UTC."
    if stage == "due":
        return f"Review due today: {what}", f"The review is due now ({review.due_at:%Y-%m-%d %H:%M} UTC)."
    return f"Review overdue: {what}", f"The review was due on {review.due_at:%Y-%m-%d %H:%M} UTC."


class ReviewTimers:
    def __init__(self, cache: ConfigCache, public_url: str) -> None:
        self.cache = cache
        self.public_url = public_url

    def review_reminder(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        try:
            review = uow.repo(ReviewRepository).get(int(timer.payload["review_id"]), for_update=True)
        except NotFound:
            return
        stage = str(timer.payload.get("stage"))
        if review.status is ReviewStatus.COMPLETED or (stage == "evening" and review.started_at is not None):
            return
        people = [review.owner_id]
        applied = _applied(uow, self.cache)
        if stage == "overdue":  # the IMOC too: its conductor, or the IMOC on call for a near miss
            imoc = review.conductor_id or imoc_on_call(uow, applied, now)
            if imoc and imoc not in people:
                people.append(imoc)
        title, text = _review_text(review, stage)
        told = _tell(
            uow,
            applied,
            people,
            title,
            text,
            f"review:{review.id}:{stage}:{timer.due_at.isoformat()}",
            now,
            {"review": review.id},
            f"{self.public_url}/reviews/{review.id}",
        )
        review.remind(f"reminded {', '.join(told) or 'nobody'}: {title}", now, stage=stage)
        uow.repo(ReviewRepository).save(review, "onwatch")

    def action_reminder(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        try:
            action = uow.repo(ActionRepository).get(int(timer.payload["action_id"]), for_update=True)
        except NotFound:
            return
        if action.status.closed:
            return
        stage = str(timer.payload.get("stage"))
        review = uow.repo(ReviewRepository).get(action.review_id, for_update=True)
        due = action.due_at.isoformat()
        if _reminded(uow, review, action.id, stage, due):
            return  # rescheduled by a change to the action: each reminder of a due date goes out once
        applied = _applied(uow, self.cache)
        people = [action.owner_id]
        if stage == "overdue":
            imoc = review.conductor_id or imoc_on_call(uow, applied, now)
            if imoc:
                people.append(imoc)
        title, text = _action_text(action, review, stage)
        told = _tell(
            uow,
            applied,
            people,
            title,
            text,
            f"action:{action.id}:{stage}:{due}",
            now,
            {"review": review.id, "corrective_action": action.id},
            f"{self.public_url}/reviews/{review.id}",
        )
        review.remind(
            f"reminded {', '.join(told) or 'nobody'}: {title}", now, stage=stage, action=action.id, due=due
        )
        uow.repo(ReviewRepository).save(review, "onwatch")


def _reminded(uow: UnitOfWork, review: Review, action_id: int | None, stage: str, due: str) -> bool:
    """Whether this reminder of this due date already went out (the review's history says)."""
    assert review.id is not None
    return any(
        e.kind is ReviewEventKind.REMINDER
        and e.data.get("action") == action_id
        and e.data.get("stage") == stage
        and e.data.get("due") == due
        for e in uow.repo(ReviewRepository).events(review.id)
    )


def _action_text(action: CorrectiveAction, review: Review, stage: str) -> tuple[str, str]:
    # no review title: it may be a confidential incident's, and the owner may be outside its circle
    what = f"Corrective action #{action.id} of review #{review.id}"
    due = f"{action.due_at:%Y-%m-%d %H:%M} UTC"
    if stage == "before":
        return f"Corrective action due soon: {action.title}", f"{what} is due on {due}."
    if stage == "due":
        return f"Corrective action due today: {action.title}", f"{what} is due now ({due})."
    return (
        f"Corrective action overdue: {action.title}",
        f"{what} was due on {due} and is not done: owner {action.owner_id}.",
    )


def register(kinds: TimerKinds, cache: ConfigCache, public_url: str) -> None:
    handlers = ReviewTimers(cache, public_url)
    kinds.register(REVIEW_REMINDER, handlers.review_reminder)
    kinds.register(ACTION_REMINDER, handlers.action_reminder)
    kinds.register(DIGEST, DigestTimer(cache, public_url).send)
