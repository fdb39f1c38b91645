"""Feedback commands (API, web, CLI, chat and the signed links): each one transaction, its timeline
event, its follow-up and the tracker webhook's message committed together."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database, UnitOfWork
from onwatch.directory.store import DirectoryRepository
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import EventKind, FeedbackChoice, Role
from onwatch.kernel.errors import NotFound
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.paging.store.groups import AlertRepository
from onwatch.reports.feedback.domain import Feedback, FollowUp, follow_up_for, new_feedback
from onwatch.reports.feedback.mirror import mirror_follow_up
from onwatch.reports.feedback.owner import holder
from onwatch.reports.feedback.store import FeedbackRepository, FollowUpFilter


@dataclass(frozen=True)
class Given:
    feedback: Feedback
    follow_up: FollowUp | None


class FeedbackCommands:
    def __init__(
        self, db: Database, clock: Clock, cache: ConfigCache, on_commit: Callable[[], None], public_url: str
    ) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self.on_commit = on_commit
        self.public_url = public_url.rstrip("/")

    def give(self, group_id: int, choice: FeedbackChoice | None, comment: str, actor: Actor) -> Given:
        """Record a verdict and/or a comment on the group's thread; incorrect and flappy open a
        follow-up owned by the EOC on call now, linked to the group's alert rule."""
        now = self.clock.now()
        with self.db.write() as uow:
            uow.repo(AlertRepository).group(group_id)  # 404 for a group that does not exist
            if actor.person_id is not None:
                uow.repo(DirectoryRepository).require_person(actor.person_id, field="author")
            entry = new_feedback(group_id, choice, comment, actor.name, actor.interface.value, now)
            entry = uow.repo(FeedbackRepository).add(entry)
            self._event(
                uow,
                entry,
                EventKind.FEEDBACK,
                entry.summary,
                actor,
                {"feedback": entry.id, "choice": choice.value if choice else None},
            )
            item = self._open_follow_up(uow, entry)
            if item is not None:
                message = f"follow-up #{item.id} opened for {item.rule}, owner {item.owner_id or 'nobody'}"
                self._event(uow, entry, EventKind.FOLLOW_UP, message, actor, {"follow_up": item.id})
        self.on_commit()
        return Given(entry, item)

    def _open_follow_up(self, uow: UnitOfWork, entry: Feedback) -> FollowUp | None:
        repo = uow.repo(FeedbackRepository)
        alertname, integration = repo.rule_of(entry.group_id)
        try:
            applied = self.cache.get(uow)
        except NotFound:
            applied = None
        owner = holder(uow, applied, Role.EOC, entry.created_at) if applied is not None else None
        item = follow_up_for(entry, alertname, integration, owner)
        if item is None:
            return None
        item = repo.add_follow_up(item)
        if applied is not None:
            mirror_follow_up(uow, applied, item, "created", entry.created_at, self.public_url)
        return item

    def close_follow_up(self, item_id: int, note: str, actor: Actor) -> FollowUp:
        now = self.clock.now()
        with self.db.write() as uow:
            repo = uow.repo(FeedbackRepository)
            item = repo.follow_up(item_id, for_update=True).close(actor.name, note, now)
            repo.save_follow_up(item)
            message = f"{actor.name} closed follow-up #{item.id} ({item.rule})" + (
                f": {item.close_note}" if item.close_note else ""
            )
            uow.timeline.append(
                TimelineEvent(
                    at=now,
                    kind=EventKind.FOLLOW_UP,
                    actor=actor.name,
                    interface=actor.interface,
                    message=message,
                    data={"follow_up": item.id},
                    group_id=item.group_id,
                )
            )
            with contextlib.suppress(NotFound):
                mirror_follow_up(uow, self.cache.get(uow), item, "closed", now, self.public_url)
        self.on_commit()
        return item

    @staticmethod
    def _event(
        uow: UnitOfWork,
        entry: Feedback,
        kind: EventKind,
        message: str,
        actor: Actor,
        data: dict[str, int | str | None],
    ) -> None:
        uow.timeline.append(
            TimelineEvent(
                at=entry.created_at,
                kind=kind,
                actor=actor.name,
                interface=actor.interface,
                message=message,
                data=data,
                group_id=entry.group_id,
                person=actor.person_id,
            )
        )

    # ---- queries ---------------------------------------------------------------------------

    def thread(self, group_id: int) -> tuple[list[Feedback], list[FollowUp]]:
        """The group's feedback and comments (oldest first) and its follow-ups."""
        with self.db.read() as uow:
            uow.repo(AlertRepository).group(group_id)
            repo = uow.repo(FeedbackRepository)
            return repo.thread(group_id), repo.follow_ups(FollowUpFilter(group_ids=(group_id,)))

    def follow_ups(self, flt: FollowUpFilter, limit: int = 100, offset: int = 0) -> list[FollowUp]:
        with self.db.read() as uow:
            return uow.repo(FeedbackRepository).follow_ups(flt, limit, offset)

    def follow_up(self, item_id: int) -> FollowUp:
        with self.db.read() as uow:
            return uow.repo(FeedbackRepository).follow_up(item_id)
