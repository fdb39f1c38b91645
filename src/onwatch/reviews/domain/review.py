"""The Review aggregate: a post-incident review (RCA) or a near miss's review.

Draft -> In review -> Completed. Every change appends a `ReviewEvent` to `new_events`; the store
writes both in one transaction. Refusals are DomainErrors naming the field at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from onwatch.kernel.enums import Interface, Severity
from onwatch.kernel.errors import InvalidInput, InvalidTransition, NotOwner
from onwatch.kernel.timeline import Actor, JSONValue
from onwatch.reviews.domain.enums import KeyEventTag, ReviewEventKind, ReviewKind, ReviewStatus, RootCause
from onwatch.reviews.domain.template import MAX_SECTION, empty_sections, headings

MAX_TITLE = 200
MAX_REASON = 2000
REVIEW_COMPLETED_LABEL = "Incident::Review-Completed"
NEAR_MISS_LABEL = "Near Miss"


class StaleEdit(InvalidTransition):
    """Someone saved the review since the version this edit started from."""

    title = "Edit conflict"


@dataclass(frozen=True)
class ReviewEvent:
    """One entry of a review's own history (who, when, what, from where)."""

    at: datetime
    kind: ReviewEventKind
    actor: str
    interface: Interface
    message: str
    data: Mapping[str, JSONValue] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True)
class KeyEventMark:
    """The author's mark on a timeline event of the prefill: starred, hidden, tagged, annotated."""

    starred: bool = False
    hidden: bool = False
    tag: KeyEventTag | None = None
    note: str = ""


def clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidInput("title must not be empty", field="title")
    if len(cleaned) > MAX_TITLE:
        raise InvalidInput(f"title is longer than {MAX_TITLE} characters", field="title")
    return cleaned


def clean_reason(reason: str | None, field_name: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(f"{field_name} must say why", field=field_name)
    if len(text) > MAX_REASON:
        raise InvalidInput(f"{field_name} is longer than {MAX_REASON} characters", field=field_name)
    return text


@dataclass
class Review:
    kind: ReviewKind
    title: str
    severity: Severity  # the incident's (or, for a near miss, the one it would have had)
    owner_id: str
    created_at: datetime
    due_at: datetime
    status: ReviewStatus = ReviewStatus.DRAFT
    incident_id: int | None = None
    conductor_id: str | None = None  # the IMOC who conducts the review
    services: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    prefill: dict[str, JSONValue] = field(default_factory=dict)  # frozen when the review is created
    marks: dict[int, KeyEventMark] = field(default_factory=dict)
    started_at: datetime | None = None
    submitted_at: datetime | None = None
    completed_at: datetime | None = None
    completed_by: str | None = None
    category: RootCause | None = None
    final_severity: Severity | None = None
    no_actions_reason: str | None = None
    reported_by: str | None = None  # a near miss: who noticed it
    anonymous: bool = False  # a near miss filed without the reporter's name on the public list
    version: int = 1
    id: int | None = None
    new_events: list[ReviewEvent] = field(default_factory=list, repr=False)
    edited: bool = field(default=False, repr=False)

    # ---- creating ----------------------------------------------------------------------------

    @classmethod
    def for_incident(
        cls,
        *,
        incident_id: int,
        title: str,
        severity: Severity,
        services: list[str],
        owner_id: str,
        conductor_id: str | None,
        due_at: datetime,
        prefill: dict[str, JSONValue],
        actor: Actor,
        now: datetime,
    ) -> Review:
        """The review of a resolved incident: the EOC owns it first, the IMOC conducts it."""
        review = cls(
            kind=ReviewKind.INCIDENT,
            title=clean_title(title),
            severity=severity,
            owner_id=owner_id,
            conductor_id=conductor_id,
            created_at=now,
            due_at=due_at,
            incident_id=incident_id,
            services=sorted(set(services)),
            sections=empty_sections(near_miss=False),
            prefill=prefill,
        )
        conducted = f", conducted by {conductor_id}" if conductor_id else ""
        review._record(
            ReviewEventKind.CREATED,
            actor,
            now,
            f"review of incident #{incident_id} created: owned by {owner_id}{conducted}, "
            f"due {due_at:%Y-%m-%d}",
            {"owner": owner_id, "conductor": conductor_id, "due_at": due_at.isoformat()},
        )
        return review

    @classmethod
    def near_miss(
        cls,
        *,
        title: str,
        severity: Severity,
        services: list[str],
        owner_id: str,
        conductor_id: str | None,
        due_at: datetime,
        barrier: str,
        lucky: str,
        anonymous: bool,
        actor: Actor,
        now: datetime,
    ) -> Review:
        """A near miss: nothing paged, nothing public; the person who noticed it owns its review."""
        if actor.person_id is None:
            raise InvalidInput("a near miss is filed by a person", field="reported_by")
        if due_at <= now:
            raise InvalidInput("the due date is in the past", field="due")
        sections = empty_sections(near_miss=True)
        sections["barrier"] = _section(barrier, "barrier")
        sections["lucky"] = _section(lucky, "lucky")
        review = cls(
            kind=ReviewKind.NEAR_MISS,
            title=clean_title(title),
            severity=severity,
            owner_id=owner_id,
            conductor_id=conductor_id,
            created_at=now,
            due_at=due_at,
            services=sorted(set(services)),
            sections=sections,
            reported_by=actor.person_id,
            anonymous=anonymous,
            started_at=now if owner_id == actor.person_id else None,
        )
        review._record(
            ReviewEventKind.CREATED,
            actor,
            now,
            f"near miss filed ({severity.label} had it happened): owned by {owner_id}",
            {"owner": owner_id, "severity": severity.label, "anonymous": anonymous},
        )
        return review

    # ---- derived -------------------------------------------------------------------------------

    @property
    def near_miss_review(self) -> bool:
        return self.kind is ReviewKind.NEAR_MISS

    @property
    def labels(self) -> list[str]:
        labels = [NEAR_MISS_LABEL] if self.near_miss_review else []
        labels.append(f"Severity::{(self.final_severity or self.severity).value}")
        labels += [f"Service::{s}" for s in self.services]
        if self.category is not None:
            labels.append(f"RootCause::{self.category.value}")
        if self.status is ReviewStatus.COMPLETED:
            labels.append(REVIEW_COMPLETED_LABEL)
        return labels

    def overdue(self, now: datetime) -> bool:
        return self.status is not ReviewStatus.COMPLETED and now > self.due_at

    def may_conclude(self, actor: Actor) -> bool:
        """The owner or the IMOC (the conductor) completes or reopens the review."""
        return actor.person_id is not None and actor.person_id in (self.owner_id, self.conductor_id)

    # ---- commands ------------------------------------------------------------------------------

    def open(self, actor: Actor, now: datetime) -> None:
        """The owner opened the review: it is started (the same-evening reminder stands down)."""
        if self.started_at is not None or actor.person_id != self.owner_id:
            return
        self.started_at = now
        self._record(ReviewEventKind.OPENED, actor, now, f"{actor.name} started the review")

    def edit(self, sections: Mapping[str, str], base_version: int, actor: Actor, now: datetime) -> None:
        """Save a new version of the sections given (others keep their text). A stale base is 409."""
        self._check_editable()
        known = headings(self.near_miss_review)
        for key in sections:
            if key not in known:
                raise InvalidInput(
                    f"unknown section {key!r}; the sections are {', '.join(known)}", field=f"sections.{key}"
                )
        if base_version != self.version:
            raise StaleEdit(
                f"the review was saved since version {base_version} (now version {self.version}): "
                "reload, merge your changes and save again",
                field="base_version",
            )
        changed = {k: _section(v, f"sections.{k}") for k, v in sections.items() if self.sections.get(k) != v}
        if not changed:
            return
        self.sections.update(changed)
        self.version += 1
        self.edited = True
        if self.started_at is None and actor.person_id == self.owner_id:
            self.started_at = now
        self._record(
            ReviewEventKind.EDITED,
            actor,
            now,
            f"{actor.name} edited {', '.join(known[k] for k in changed)} (version {self.version})",
            {"version": self.version, "sections": list(changed)},
        )

    def mark_event(self, event_id: int, mark: KeyEventMark, actor: Actor, now: datetime) -> None:
        """Star, hide, tag or annotate a timeline event of the prefill."""
        self._check_editable()
        events = self.prefill.get("timeline")
        ids = {e.get("id") for e in events if isinstance(e, Mapping)} if isinstance(events, list) else set()
        if event_id not in ids:
            raise InvalidInput(f"event {event_id} is not on this review's timeline", field="event_id")
        if len(mark.note) > MAX_REASON:
            raise InvalidInput(f"note is longer than {MAX_REASON} characters", field="note")
        self.marks[event_id] = mark
        what = ", ".join(
            w
            for w in (
                "starred" if mark.starred else "",
                "hidden" if mark.hidden else "",
                mark.tag.value if mark.tag else "",
                "annotated" if mark.note else "",
            )
            if w
        )
        self._record(
            ReviewEventKind.KEY_EVENT,
            actor,
            now,
            f"{actor.name} marked timeline event {event_id}: {what or 'cleared'}",
            {"event_id": event_id},
        )

    def submit(self, actor: Actor, now: datetime) -> None:
        """Draft -> In review: ready for the post-incident review meeting."""
        if self.status is not ReviewStatus.DRAFT:
            raise InvalidTransition(f"the review is {self.status.title}, not a draft", field="status")
        self.status = ReviewStatus.IN_REVIEW
        self.submitted_at = now
        self.started_at = self.started_at or now
        self._record(ReviewEventKind.SUBMITTED, actor, now, f"{actor.name} put the review in review")

    def complete(
        self,
        *,
        category: RootCause | None,
        final_severity: Severity | None,
        open_actions: int,
        no_actions_reason: str | None,
        actor: Actor,
        now: datetime,
    ) -> None:
        """Completed: needs a root-cause category, a final severity and at least one corrective
        action or an explicit "none needed" with its reason; only the owner or the IMOC."""
        if self.status is ReviewStatus.COMPLETED:
            raise InvalidTransition("the review is already completed", field="status")
        if not self.may_conclude(actor):
            who = f", or the IMOC, {self.conductor_id}" if self.conductor_id else ""
            raise NotOwner(f"only the owner, {self.owner_id}{who}, can complete this review", field="actor")
        if category is None:
            raise InvalidInput("completing needs a root-cause category", field="category")
        if final_severity is None:
            raise InvalidInput("completing needs the final severity", field="final_severity")
        reason: str | None = None
        if open_actions == 0:
            if not no_actions_reason:
                raise InvalidInput(
                    "completing needs at least one corrective action, or 'none needed' with a reason",
                    field="no_actions_reason",
                )
            reason = clean_reason(no_actions_reason, "no_actions_reason")
        self.status = ReviewStatus.COMPLETED
        self.category = category
        self.final_severity = final_severity
        self.no_actions_reason = reason
        self.completed_at = now
        self.completed_by = actor.person_id
        self.submitted_at = self.submitted_at or now
        self.started_at = self.started_at or now
        self._record(
            ReviewEventKind.COMPLETED,
            actor,
            now,
            f"{actor.name} completed the review: {category.value}, final severity {final_severity.label}",
            {"category": category.value, "final_severity": final_severity.label, "no_actions_reason": reason},
        )

    def reopen(self, actor: Actor, now: datetime) -> None:
        if self.status is not ReviewStatus.COMPLETED:
            raise InvalidTransition("only a completed review can be reopened", field="status")
        if not self.may_conclude(actor):
            raise NotOwner("only the owner or the IMOC can reopen this review", field="actor")
        self.status = ReviewStatus.IN_REVIEW
        self.completed_at = None
        self.completed_by = None
        self._record(ReviewEventKind.REOPENED, actor, now, f"{actor.name} reopened the review")

    def reassign(self, person_id: str, actor: Actor, now: datetime) -> None:
        """Hand the review to someone else (the one who knows most about how it came about)."""
        self._check_editable()
        if person_id == self.owner_id:
            return
        previous, self.owner_id = self.owner_id, person_id
        self.started_at = None if self.status is ReviewStatus.DRAFT and not self.edited else self.started_at
        self._record(
            ReviewEventKind.OWNER_CHANGED,
            actor,
            now,
            f"{actor.name} handed the review from {previous} to {person_id}",
            {"from": previous, "to": person_id},
        )

    def remind(self, message: str, now: datetime, **data: JSONValue) -> None:
        self._record(ReviewEventKind.REMINDER, _ENGINE, now, message, data)

    def note_action(self, kind: ReviewEventKind, message: str, actor: Actor, now: datetime) -> None:
        self._record(kind, actor, now, message)

    # ---- helpers -------------------------------------------------------------------------------

    def _check_editable(self) -> None:
        if self.status is ReviewStatus.COMPLETED:
            raise InvalidTransition("the review is completed: reopen it first", field="status")

    def _record(
        self,
        kind: ReviewEventKind,
        actor: Actor,
        now: datetime,
        message: str,
        data: Mapping[str, JSONValue] | None = None,
    ) -> None:
        self.new_events.append(ReviewEvent(now, kind, actor.name, actor.interface, message, dict(data or {})))


_ENGINE = Actor(name="onwatch", interface=Interface.ENGINE)


def _section(text: str, field_name: str) -> str:
    if "\x00" in text:
        raise InvalidInput("text must not contain NUL characters", field=field_name)
    if len(text) > MAX_SECTION:
        raise InvalidInput(f"{field_name} is longer than {MAX_SECTION} characters", field=field_name)
    return text
