"""The reviews API's bodies and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from onwatch.api.params import Instant
from onwatch.incidents.schemas import SeverityIn
from onwatch.reviews.domain.actions import CorrectiveAction
from onwatch.reviews.domain.enums import ActionStatus, KeyEventTag, ReviewKind, ReviewStatus, RootCause
from onwatch.reviews.domain.review import MAX_REASON, MAX_TITLE, Review, ReviewEvent
from onwatch.reviews.domain.template import MAX_SECTION, headings

ANONYMOUS = "anonymous"


def _category(value: Any) -> Any:
    return RootCause.parse(value) if value is not None else None


CategoryIn = Annotated[RootCause, BeforeValidator(_category)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SectionsIn(Body):
    sections: dict[str, Annotated[str, Field(max_length=MAX_SECTION)]] = Field(
        description="section key -> Markdown; sections not given keep their text",
        examples=[{"summary": "Checkout failed for 12% of users for 40 minutes."}],
    )
    base_version: int = Field(
        ge=1, le=2**31 - 1, description="the version you edited; 409 if someone saved since"
    )


class CompleteIn(Body):
    category: CategoryIn | None = Field(default=None, description="root-cause category (PROCESS.md §10)")
    final_severity: SeverityIn | None = Field(default=None, description="the final severity classification")
    no_actions_reason: str | None = Field(
        default=None, max_length=MAX_REASON, description="'none needed': why no corrective action is needed"
    )


class OwnerIn(Body):
    person: str = Field(min_length=1, max_length=64)


class MarkIn(Body):
    starred: bool = False
    hidden: bool = False
    tag: KeyEventTag | None = None
    note: str = Field(default="", max_length=MAX_REASON)


class ActionIn(Body):
    title: str = Field(min_length=1, max_length=MAX_TITLE, examples=["Alert on checkout 5xx ratio"])
    owner: str | None = Field(default=None, max_length=64, description="default: you")
    due: Instant | None = Field(default=None, description="default: by the severity table")
    link: str | None = Field(default=None, max_length=2000)


class ActionChangeIn(Body):
    status: ActionStatus | None = None
    reason: str | None = Field(default=None, max_length=MAX_REASON, description="why it won't be done")
    title: str | None = Field(default=None, min_length=1, max_length=MAX_TITLE)
    owner: str | None = Field(default=None, max_length=64)
    due: Instant | None = None
    link: str | None = Field(default=None, max_length=2000)


class NearMissIn(Body):
    title: str = Field(min_length=1, max_length=MAX_TITLE, examples=["Backups nearly filled the disk"])
    severity: SeverityIn = Field(description="the severity the incident would have had", examples=["S2"])
    services: list[str] = Field(default_factory=list, max_length=50)
    barrier: str = Field(default="", max_length=MAX_SECTION, description="what caught it")
    lucky: str = Field(default="", max_length=MAX_SECTION, description="where we got lucky")
    owner: str | None = Field(default=None, max_length=64, description="default: you, who noticed it")
    anonymous: bool = Field(
        default=False, description="keep your name off the list of reviews (the IMOC sees it)"
    )
    due: Instant | None = None


class ActionOut(BaseModel):
    id: int
    review_id: int
    title: str
    owner: str
    due_at: datetime
    status: ActionStatus
    link: str | None
    reason: str | None
    external_url: str | None
    overdue: bool

    @classmethod
    def of(cls, a: CorrectiveAction, now: datetime) -> ActionOut:
        assert a.id is not None
        return cls(
            id=a.id,
            review_id=a.review_id,
            title=a.title,
            owner=a.owner_id,
            due_at=a.due_at,
            status=a.status,
            link=a.link,
            reason=a.reason,
            external_url=a.external_url,
            overdue=a.overdue(now),
        )


class ReviewEventOut(BaseModel):
    id: int | None
    at: datetime
    kind: str
    actor: str
    interface: str
    message: str

    @classmethod
    def of(cls, e: ReviewEvent) -> ReviewEventOut:
        return cls(
            id=e.id, at=e.at, kind=e.kind.value, actor=e.actor, interface=e.interface.value, message=e.message
        )


class ReviewSummaryOut(BaseModel):
    id: int
    kind: ReviewKind
    incident_id: int | None
    title: str
    severity: str
    final_severity: str | None
    status: ReviewStatus
    owner: str
    conductor: str | None
    reported_by: str | None
    anonymous: bool
    due_at: datetime
    overdue: bool
    category: RootCause | None
    labels: list[str]
    version: int

    @classmethod
    def of(cls, r: Review, now: datetime, *, reveal: bool) -> ReviewSummaryOut:
        """`reveal`: the caller may see who filed an anonymous near miss (the IMOC, an admin)."""
        assert r.id is not None
        hide = r.anonymous and not reveal
        return cls(
            id=r.id,
            kind=r.kind,
            incident_id=r.incident_id,
            title=r.title,
            severity=r.severity.label,
            final_severity=r.final_severity.label if r.final_severity else None,
            status=r.status,
            owner=ANONYMOUS if hide and r.owner_id == r.reported_by else r.owner_id,
            conductor=r.conductor_id,
            reported_by=ANONYMOUS if hide else r.reported_by,
            anonymous=r.anonymous,
            due_at=r.due_at,
            overdue=r.overdue(now),
            category=r.category,
            labels=r.labels,
            version=r.version,
        )


class ReviewOut(ReviewSummaryOut):
    services: list[str]
    sections: dict[str, str]
    headings: dict[str, str]
    prefill: dict[str, Any]
    marks: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    no_actions_reason: str | None
    actions: list[ActionOut]
    history: list[ReviewEventOut]

    @classmethod
    def full(
        cls,
        r: Review,
        actions: list[CorrectiveAction],
        events: list[ReviewEvent],
        now: datetime,
        *,
        reveal: bool,
    ) -> ReviewOut:
        base = ReviewSummaryOut.of(r, now, reveal=reveal).model_dump()
        return cls(
            **base,
            services=r.services,
            sections=r.sections,
            headings=dict(headings(r.near_miss_review)),
            prefill=r.prefill,
            marks={
                str(k): {"starred": m.starred, "hidden": m.hidden, "tag": m.tag, "note": m.note}
                for k, m in r.marks.items()
            },
            created_at=r.created_at,
            started_at=r.started_at,
            completed_at=r.completed_at,
            completed_by=r.completed_by,
            no_actions_reason=r.no_actions_reason,
            actions=[ActionOut.of(a, now) for a in actions],
            history=[ReviewEventOut.of(e) for e in events if not (r.anonymous and not reveal)],
        )


class VersionOut(BaseModel):
    review_id: int
    version: int
    sections: dict[str, str]
    author: str
    at: datetime


class RelatedOut(BaseModel):
    kind: str
    id: int
    title: str
    incident_id: int | None
    why: list[str]
    review_id: int | None
    review_status: ReviewStatus | None
    category: RootCause | None
    open_actions: list[ActionOut]


class NearMissOut(ReviewOut):
    """A near miss just filed, with what was seen before: the past incidents and near misses most
    like it (the repeat detection of GET /api/v1/incidents/{id}/similar)."""

    similar: list[RelatedOut]
