"""Review commands: one transaction each (the change, its history, its timeline event, its timers
and its outbox messages commit together, or none do)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from onwatch.config.cache import AppliedConfig, ConfigCache
from onwatch.db.uow import Database, UnitOfWork
from onwatch.directory.store import DirectoryRepository
from onwatch.incidents.events import ReviewConcluded, ReviewReopened
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Severity
from onwatch.kernel.errors import InvalidInput
from onwatch.kernel.timeline import Actor
from onwatch.reviews.creation import create_review
from onwatch.reviews.domain.actions import DEFAULT_ACTION_DUE, CorrectiveAction
from onwatch.reviews.domain.enums import ActionStatus, ReviewEventKind, RootCause
from onwatch.reviews.domain.policy import review_refused
from onwatch.reviews.domain.review import KeyEventMark, Review, ReviewEvent
from onwatch.reviews.mirror import mirror_action
from onwatch.reviews.reactions import applied_or_none
from onwatch.reviews.schedule import review_timer_prefix, schedule_action, schedule_review
from onwatch.reviews.store.actions import ActionRepository
from onwatch.reviews.store.follow_ups import OpenFollowUp, open_follow_ups
from onwatch.reviews.store.reviews import ReviewFilter, ReviewRepository, SectionsVersion
from onwatch.reviews.store.search import Hit, SearchRepository


@dataclass(frozen=True)
class Related:
    """A search hit or a past incident like this one, with its review and open corrective actions."""

    hit: Hit
    review: Review | None
    open_actions: list[CorrectiveAction]


@dataclass(frozen=True)
class ReviewDetail:
    review: Review
    actions: list[CorrectiveAction]
    events: list[ReviewEvent]


class ReviewCommands:
    def __init__(self, db: Database, clock: Clock, cache: ConfigCache, on_commit: Callable[[], None]) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self.on_commit = on_commit

    # ---- creating ------------------------------------------------------------------------------

    def create_for_incident(self, incident_id: int, actor: Actor) -> Review:
        """A review of a resolved incident the policy did not require (S3/S4 may have one)."""
        with self.db.write() as uow:
            incident = uow.repo(IncidentRepository).get(incident_id, for_update=True)
            applied = applied_or_none(uow, self.cache)
            if applied is not None:
                policy = applied.config.reviews
                refused = review_refused(incident.severity, policy.required, policy.optional)
                if refused is not None:
                    raise InvalidInput(refused, field="incident_id")
            review = create_review(uow, applied, incident, actor, self.clock.now())
        self.on_commit()
        return review

    def file_near_miss(
        self,
        actor: Actor,
        *,
        title: str,
        severity: Severity,
        services: list[str] | None = None,
        barrier: str = "",
        lucky: str = "",
        owner: str | None = None,
        anonymous: bool = False,
        due_at: datetime | None = None,
    ) -> Review:
        """A near miss: its review, owned by who noticed it (or `owner`); nobody paged, nothing public."""
        with self.db.write() as uow:
            now = self.clock.now()
            directory = uow.repo(DirectoryRepository)
            if actor.person_id is not None:
                directory.require_person(actor.person_id, field="reported_by")
            owner_id = owner or actor.person_id
            if owner_id is None:
                raise InvalidInput(
                    "a near miss needs an owner: this token is not tied to a person", field="owner"
                )
            directory.require_person(owner_id, field="owner")
            directory.require_services(services or [])
            applied = applied_or_none(uow, self.cache)
            due = due_at or now + (applied.config.process.review_due if applied else _DEFAULT_DUE)
            review = Review.near_miss(
                title=title,
                severity=severity,
                services=services or [],
                owner_id=owner_id,
                conductor_id=None,
                due_at=due,
                barrier=barrier,
                lucky=lucky,
                anonymous=anonymous,
                actor=actor,
                now=now,
            )
            uow.repo(ReviewRepository).add(review, actor.name)
            schedule_review(uow, applied, review, now)
        self.on_commit()
        return review

    # ---- the review ------------------------------------------------------------------------------

    def start(self, review_id: int, actor: Actor) -> Review:
        """The owner opened the review (the same-evening reminder then stays quiet)."""
        return self._mutate(review_id, actor, lambda r, _u: r.open(actor, self.clock.now()))

    def edit(self, review_id: int, sections: Mapping[str, str], base_version: int, actor: Actor) -> Review:
        return self._mutate(
            review_id, actor, lambda r, _u: r.edit(sections, base_version, actor, self.clock.now())
        )

    def mark_event(self, review_id: int, event_id: int, mark: KeyEventMark, actor: Actor) -> Review:
        return self._mutate(
            review_id, actor, lambda r, _u: r.mark_event(event_id, mark, actor, self.clock.now())
        )

    def submit(self, review_id: int, actor: Actor) -> Review:
        return self._mutate(review_id, actor, lambda r, _u: r.submit(actor, self.clock.now()))

    def reassign(self, review_id: int, person_id: str, actor: Actor) -> Review:
        def run(review: Review, uow: UnitOfWork) -> None:
            uow.repo(DirectoryRepository).require_person(person_id, field="owner")
            review.reassign(person_id, actor, self.clock.now())

        return self._mutate(review_id, actor, run)

    def complete(
        self,
        review_id: int,
        actor: Actor,
        *,
        category: RootCause | None,
        final_severity: Severity | None,
        no_actions_reason: str | None = None,
    ) -> Review:
        """Completed: the final severity becomes the incident's (on its timeline) with the label
        Incident::Review-Completed; its reminders stand down."""

        def run(review: Review, uow: UnitOfWork) -> None:
            now = self.clock.now()
            assert review.id is not None
            actions = uow.repo(ActionRepository).for_review(review.id)
            review.complete(
                category=category,
                final_severity=final_severity,
                open_actions=len([a for a in actions if a.status is not ActionStatus.WONT_DO]),
                no_actions_reason=no_actions_reason,
                actor=actor,
                now=now,
            )
            uow.timers.cancel_timers(review_timer_prefix(review.id))
            if review.incident_id is not None and review.final_severity is not None:
                uow.publish(ReviewConcluded(review.incident_id, review.id, review.final_severity, actor, now))

        return self._mutate(review_id, actor, run)

    def reopen(self, review_id: int, actor: Actor) -> Review:
        def run(review: Review, uow: UnitOfWork) -> None:
            now = self.clock.now()
            assert review.id is not None
            review.reopen(actor, now)
            schedule_review(uow, applied_or_none(uow, self.cache), review, now)
            if review.incident_id is not None:
                uow.publish(ReviewReopened(review.incident_id, review.id, actor, now))

        return self._mutate(review_id, actor, run)

    # ---- corrective actions ----------------------------------------------------------------------

    def add_action(
        self,
        review_id: int,
        actor: Actor,
        *,
        title: str,
        owner: str | None = None,
        due_at: datetime | None = None,
        link: str | None = None,
    ) -> CorrectiveAction:
        """A corrective action, due by the severity table unless `due_at` says otherwise."""
        with self.db.write() as uow:
            now = self.clock.now()
            review = uow.repo(ReviewRepository).get(review_id, for_update=True)
            review._check_editable()
            owner_id = owner or actor.person_id or review.owner_id
            uow.repo(DirectoryRepository).require_person(owner_id, field="owner")
            applied = applied_or_none(uow, self.cache)
            due_by = _due_table(applied)
            action = CorrectiveAction.create(
                review_id=review_id,
                title=title,
                owner_id=owner_id,
                severity=review.final_severity or review.severity,
                now=now,
                due_at=due_at,
                link=link,
                due_by=due_by,
            )
            uow.repo(ActionRepository).add(action)
            review.note_action(ReviewEventKind.ACTION_ADDED, f"#{action.id} " + action.changes[0], actor, now)
            uow.repo(ReviewRepository).save(review, actor.name)
            schedule_action(uow, applied, action, now)
            mirror_action(uow, applied, review, action, "created", now)
        self.on_commit()
        return action

    def change_action(
        self,
        action_id: int,
        actor: Actor,
        *,
        status: ActionStatus | None = None,
        reason: str | None = None,
        title: str | None = None,
        owner: str | None = None,
        due_at: datetime | None = None,
        link: str | None = None,
    ) -> CorrectiveAction:
        with self.db.write() as uow:
            now = self.clock.now()
            action = uow.repo(ActionRepository).get(action_id, for_update=True)
            review = uow.repo(ReviewRepository).get(action.review_id, for_update=True)
            if owner is not None:
                uow.repo(DirectoryRepository).require_person(owner, field="owner")
            action.change(
                actor,
                now,
                status=status,
                reason=reason,
                title=title,
                owner_id=owner,
                due_at=due_at,
                link=link,
            )
            if action.changes:
                uow.repo(ActionRepository).save(action)
                for change in action.changes:
                    review.note_action(ReviewEventKind.ACTION_CHANGED, change, actor, now)
                uow.repo(ReviewRepository).save(review, actor.name)
                applied = applied_or_none(uow, self.cache)
                schedule_action(uow, applied, action, now)
                mirror_action(uow, applied, review, action, "updated", now)
        self.on_commit()
        return action

    # ---- queries --------------------------------------------------------------------------------

    def get(self, review_id: int) -> Review:
        with self.db.read() as uow:
            return uow.repo(ReviewRepository).get(review_id)

    def detail(self, review_id: int) -> ReviewDetail:
        with self.db.read() as uow:
            review = uow.repo(ReviewRepository).get(review_id)
            return ReviewDetail(
                review,
                uow.repo(ActionRepository).for_review(review_id),
                uow.repo(ReviewRepository).events(review_id),
            )

    def open_follow_ups(self, incident_id: int) -> list[OpenFollowUp]:
        """The open follow-ups of the incident's alert groups (alert rules to fix)."""
        with self.db.read() as uow:
            return open_follow_ups(uow.conn, incident_id)

    def for_incident(self, incident_id: int) -> Review | None:
        with self.db.read() as uow:
            uow.repo(IncidentRepository).get(incident_id)
            return uow.repo(ReviewRepository).for_incident(incident_id)

    def find(self, flt: ReviewFilter) -> list[Review]:
        with self.db.read() as uow:
            return uow.repo(ReviewRepository).find(flt)

    def versions(self, review_id: int) -> list[SectionsVersion]:
        with self.db.read() as uow:
            uow.repo(ReviewRepository).get(review_id)
            return uow.repo(ReviewRepository).versions(review_id)

    def action(self, action_id: int) -> CorrectiveAction:
        with self.db.read() as uow:
            return uow.repo(ActionRepository).get(action_id)

    def search(self, text: str, hidden: frozenset[int] = frozenset(), limit: int = 50) -> list[Related]:
        """Full-text search over incidents, reviews and near misses (the database's own engine)."""
        with self.db.read() as uow:
            return self._related(uow, uow.repo(SearchRepository).search(text, hidden=hidden, limit=limit))

    def similar(
        self, incident_id: int, hidden: frozenset[int] = frozenset(), limit: int = 20
    ) -> list[Related]:
        """Past incidents and near misses like this one (repeat detection), with their reviews and
        their open corrective actions."""
        with self.db.read() as uow:
            uow.repo(IncidentRepository).get(incident_id)
            found = uow.repo(SearchRepository).similar_to(incident_id, hidden=hidden, limit=limit)
            return self._related(uow, found)

    def like(
        self,
        title: str,
        services: Sequence[str],
        hidden: frozenset[int] = frozenset(),
        limit: int = 10,
        *,
        near_miss: int | None = None,
    ) -> list[Related]:
        """Past incidents and near misses like an incident about to be declared or a near miss being
        filed (its title and services), with their reviews and open corrective actions; `near_miss`:
        the one just filed, left out of its own list."""
        with self.db.read() as uow:
            found = uow.repo(SearchRepository).like(
                title, services, exclude_near_miss=near_miss, hidden=hidden, limit=limit
            )
            return self._related(uow, found)

    def like_near_miss(
        self, review: Review, hidden: frozenset[int] = frozenset(), limit: int = 10
    ) -> list[Related]:
        """Past incidents and near misses like a near miss just filed (its title and services)."""
        return self.like(review.title, review.services, hidden, limit, near_miss=review.id)

    @staticmethod
    def _related(uow: UnitOfWork, hits: list[Hit]) -> list[Related]:
        repo = uow.repo(ReviewRepository)
        by_incident = repo.for_incidents([h.id for h in hits if h.kind == "incident"])
        by_id = {r.id: r for r in repo.by_ids([h.id for h in hits if h.kind != "incident"])}
        out = [(h, by_incident.get(h.id) if h.kind == "incident" else by_id.get(h.id)) for h in hits]
        ids = [r.id for _, r in out if r is not None and r.id is not None]
        actions = uow.repo(ActionRepository).for_reviews(ids, open_only=True)
        return [Related(h, r, actions.get(r.id or 0, []) if r is not None else []) for h, r in out]

    def open_action_counts(self, review_ids: list[int]) -> dict[int, int]:
        with self.db.read() as uow:
            return uow.repo(ReviewRepository).open_action_counts(review_ids)

    def overdue_actions(self, owner: str | None = None) -> list[CorrectiveAction]:
        with self.db.read() as uow:
            return uow.repo(ActionRepository).overdue(self.clock.now(), owner)

    # ---- helpers --------------------------------------------------------------------------------

    def _mutate(self, review_id: int, actor: Actor, change: Callable[[Review, UnitOfWork], None]) -> Review:
        with self.db.write() as uow:
            review = uow.repo(ReviewRepository).get(review_id, for_update=True)
            change(review, uow)
            if review.new_events:
                uow.repo(ReviewRepository).save(review, actor.name)
        self.on_commit()
        return review


_DEFAULT_DUE = timedelta(days=14)


def _due_table(applied: AppliedConfig | None) -> dict[Severity, timedelta]:
    """Corrective actions due by severity: the config's `severities.<S>.corrective_actions_due`."""
    table = dict(DEFAULT_ACTION_DUE)
    if applied is not None:
        for severity in Severity:
            rule = applied.config.severities.get(severity.label)
            if rule is not None:
                table[severity] = rule.corrective_actions_due
    return table
