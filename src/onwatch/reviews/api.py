"""/api/v1/reviews, /api/v1/near-misses, /api/v1/corrective-actions: post-incident reviews,
near misses and their corrective actions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from onwatch.api.auth import Principal, Responder, ResponderOnIncident, Viewer, ViewerOnIncident, hidden_for
from onwatch.api.params import Id, Offset
from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import Database
from onwatch.directory.access import require_visible_incident
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Role
from onwatch.kernel.errors import NotFound
from onwatch.reviews.commands import Related, ReviewCommands
from onwatch.reviews.domain.enums import ReviewKind, ReviewStatus
from onwatch.reviews.domain.review import KeyEventMark, Review
from onwatch.reviews.reactions import applied_or_none
from onwatch.reviews.schemas import (
    ActionChangeIn,
    ActionIn,
    ActionOut,
    CompleteIn,
    MarkIn,
    NearMissIn,
    NearMissOut,
    OwnerIn,
    RelatedOut,
    ReviewOut,
    ReviewSummaryOut,
    SectionsIn,
    VersionOut,
)
from onwatch.reviews.store.reviews import ReviewFilter

router = APIRouter(prefix="/api/v1", tags=["reviews"])


def _commands(request: Request) -> ReviewCommands:
    commands: ReviewCommands = request.app.state.reviews
    return commands


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def reveals(request: Request, who: Principal) -> bool:
    """Who filed an anonymous near miss is seen by admins and the incident managers (the team of
    `roles.imoc`)."""
    db: Database = request.app.state.db
    with db.read() as uow:
        caller = who.caller(uow, request)
        if caller.is_admin:
            return True
        applied = applied_or_none(uow, request.app.state.config_cache)
    return applied is not None and caller.person_id is not None and imoc_member(applied, caller.person_id)


def imoc_member(applied: AppliedConfig, person_id: str) -> bool:
    role = applied.config.roles.get(Role.IMOC)
    team = applied.config.teams.get(role.team) if role is not None and role.team else None
    return team is not None and person_id in team.members


def visible(request: Request, who: Principal, review_id: int) -> Review:
    """The review, or 404 when it reviews an incident the caller may not see."""
    review = _commands(request).get(review_id)
    if review.incident_id is not None:
        db: Database = request.app.state.db
        with db.read() as uow:
            try:
                require_visible_incident(uow.conn, who.caller(uow, request), review.incident_id)
            except NotFound:
                raise NotFound(f"review {review_id} does not exist", field="review_id") from None
    return review


def _full(request: Request, who: Principal, review_id: int) -> ReviewOut:
    detail = _commands(request).detail(review_id)
    return ReviewOut.full(
        detail.review, detail.actions, detail.events, _clock(request).now(), reveal=reveals(request, who)
    )


@router.get("/reviews", response_model=list[ReviewSummaryOut])
def list_reviews(
    request: Request,
    who: Viewer,
    status: ReviewStatus | None = None,
    kind: ReviewKind | None = None,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[ReviewSummaryOut]:
    """Reviews and near misses, newest first, with their due dates, status and owners."""
    now = _clock(request).now()
    flt = ReviewFilter(
        status=status,
        kind=kind,
        owner=owner,
        overdue_at=now if overdue else None,
        hidden_incidents=hidden_for(request, who),
        limit=limit,
        offset=offset,
    )
    reveal = reveals(request, who)
    return [ReviewSummaryOut.of(r, now, reveal=reveal) for r in _commands(request).find(flt)]


@router.get("/reviews/{review_id}", response_model=ReviewOut)
def get_review(review_id: Id, request: Request, who: Viewer) -> ReviewOut:
    """The review: its sections, its frozen prefill, its corrective actions and its history."""
    visible(request, who, review_id)
    return _full(request, who, review_id)


@router.get("/reviews/{review_id}/versions", response_model=list[VersionOut])
def review_versions(review_id: Id, request: Request, who: Viewer) -> list[VersionOut]:
    visible(request, who, review_id)
    return [
        VersionOut(
            review_id=v.review_id, version=v.version, sections=dict(v.sections), author=v.author, at=v.at
        )
        for v in _commands(request).versions(review_id)
    ]


@router.get("/incidents/{incident_id}/review", response_model=ReviewOut)
def incident_review(incident_id: Id, request: Request, who: ViewerOnIncident) -> ReviewOut:
    review = _commands(request).for_incident(incident_id)
    if review is None or review.id is None:
        raise NotFound(f"incident {incident_id} has no review", field="incident_id")
    return _full(request, who, review.id)


@router.post("/incidents/{incident_id}/review", response_model=ReviewOut, status_code=status.HTTP_201_CREATED)
def create_review(incident_id: Id, request: Request, who: ResponderOnIncident) -> ReviewOut:
    """Review a resolved incident the policy did not require a review of."""
    review = _commands(request).create_for_incident(incident_id, who.actor())
    assert review.id is not None
    return _full(request, who, review.id)


@router.put("/reviews/{review_id}/sections", response_model=ReviewOut)
def edit_sections(review_id: Id, body: SectionsIn, request: Request, who: Responder) -> ReviewOut:
    """Save the sections given (Markdown) as a new version; 409 if someone saved since `base_version`."""
    visible(request, who, review_id)
    _commands(request).edit(review_id, body.sections, body.base_version, who.actor())
    return _full(request, who, review_id)


@router.post("/reviews/{review_id}/start", response_model=ReviewOut)
def start_review(review_id: Id, request: Request, who: Responder) -> ReviewOut:
    """The owner starts the review (the same-evening reminder then stays quiet)."""
    visible(request, who, review_id)
    _commands(request).start(review_id, who.actor())
    return _full(request, who, review_id)


@router.post("/reviews/{review_id}/submit", response_model=ReviewOut)
def submit_review(review_id: Id, request: Request, who: Responder) -> ReviewOut:
    """Draft -> In review."""
    visible(request, who, review_id)
    _commands(request).submit(review_id, who.actor())
    return _full(request, who, review_id)


@router.post("/reviews/{review_id}/complete", response_model=ReviewOut)
def complete_review(review_id: Id, body: CompleteIn, request: Request, who: Responder) -> ReviewOut:
    """Complete (the owner or the IMOC): a root-cause category, the final severity, and a corrective
    action or `no_actions_reason`. The final severity becomes the incident's."""
    visible(request, who, review_id)
    _commands(request).complete(
        review_id,
        who.actor(),
        category=body.category,
        final_severity=body.final_severity,
        no_actions_reason=body.no_actions_reason,
    )
    return _full(request, who, review_id)


@router.post("/reviews/{review_id}/reopen", response_model=ReviewOut)
def reopen_review(review_id: Id, request: Request, who: Responder) -> ReviewOut:
    visible(request, who, review_id)
    _commands(request).reopen(review_id, who.actor())
    return _full(request, who, review_id)


@router.post("/reviews/{review_id}/owner", response_model=ReviewOut)
def reassign_review(review_id: Id, body: OwnerIn, request: Request, who: Responder) -> ReviewOut:
    visible(request, who, review_id)
    _commands(request).reassign(review_id, body.person, who.actor())
    return _full(request, who, review_id)


@router.post("/reviews/{review_id}/timeline/{event_id}", response_model=ReviewOut)
def mark_event(review_id: Id, event_id: Id, body: MarkIn, request: Request, who: Responder) -> ReviewOut:
    """Star, hide, tag (detection / diagnosis / repair / key moment) or annotate a timeline event."""
    visible(request, who, review_id)
    mark = KeyEventMark(starred=body.starred, hidden=body.hidden, tag=body.tag, note=body.note.strip())
    _commands(request).mark_event(review_id, event_id, mark, who.actor())
    return _full(request, who, review_id)


@router.post("/reviews/{review_id}/actions", response_model=ActionOut, status_code=status.HTTP_201_CREATED)
def add_action(review_id: Id, body: ActionIn, request: Request, who: Responder) -> ActionOut:
    """A corrective action: due by the severity table (S1 1 week, S2 30 days, S3 60, S4 90) by default."""
    visible(request, who, review_id)
    action = _commands(request).add_action(
        review_id, who.actor(), title=body.title, owner=body.owner, due_at=body.due, link=body.link
    )
    return ActionOut.of(action, _clock(request).now())


@router.get("/corrective-actions", response_model=list[ActionOut])
def overdue_actions(
    request: Request, who: Viewer, owner: Annotated[str | None, Query(max_length=64)] = None
) -> list[ActionOut]:
    """Corrective actions past their due date and not done (the overdue digest)."""
    now = _clock(request).now()
    hidden = hidden_for(request, who)
    commands = _commands(request)
    found = []
    for action in commands.overdue_actions(owner):
        review = commands.get(action.review_id)
        if review.incident_id is None or review.incident_id not in hidden:
            found.append(ActionOut.of(action, now))
    return found


@router.patch("/corrective-actions/{action_id}", response_model=ActionOut)
def change_action(action_id: Id, body: ActionChangeIn, request: Request, who: Responder) -> ActionOut:
    """Change status (open / in_progress / done / wont_do with a reason), title, owner, due date, link."""
    visible(request, who, _commands(request).action(action_id).review_id)
    action = _commands(request).change_action(
        action_id,
        who.actor(),
        status=body.status,
        reason=body.reason,
        title=body.title,
        owner=body.owner,
        due_at=body.due,
        link=body.link,
    )
    return ActionOut.of(action, _clock(request).now())


@router.post("/near-misses", response_model=NearMissOut, status_code=status.HTTP_201_CREATED)
def file_near_miss(body: NearMissIn, request: Request, who: Responder) -> NearMissOut:
    """A near miss: its review labelled Near Miss, owned by you (or `owner`); nobody is paged and
    nothing reaches the status page. `similar`: the past incidents and near misses most like it
    (the same service, similar text), with their reviews and open corrective actions; a
    confidential incident only if you are in its circle."""
    review = _commands(request).file_near_miss(
        who.actor(),
        title=body.title,
        severity=body.severity,
        services=body.services,
        barrier=body.barrier,
        lucky=body.lucky,
        owner=body.owner,
        anonymous=body.anonymous,
        due_at=body.due,
    )
    assert review.id is not None
    commands = _commands(request)
    found = commands.like_near_miss(review, hidden_for(request, who), limit=5)
    full = _full(request, who, review.id)
    return NearMissOut(**full.model_dump(), similar=_related(found, _clock(request).now()))


def _related(found: list[Related], now: datetime) -> list[RelatedOut]:
    return [
        RelatedOut(
            kind=r.hit.kind,
            id=r.hit.id,
            title=r.hit.title,
            incident_id=r.hit.incident_id,
            why=r.hit.why,
            review_id=r.review.id if r.review else None,
            review_status=r.review.status if r.review else None,
            category=r.review.category if r.review else None,
            open_actions=[ActionOut.of(a, now) for a in r.open_actions],
        )
        for r in found
    ]


@router.get("/search", response_model=list[RelatedOut])
def search(
    request: Request,
    who: Viewer,
    q: Annotated[str, Query(min_length=1, max_length=500, description="words, all of which must match")],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[RelatedOut]:
    """Full-text search over incidents, reviews and near misses (PostgreSQL full-text search,
    SQLite FTS5), best match first."""
    found = _commands(request).search(q, hidden_for(request, who), limit)
    return _related(found, _clock(request).now())


@router.get("/incidents/{incident_id}/similar", response_model=list[RelatedOut])
def similar(incident_id: Id, request: Request, who: ViewerOnIncident) -> list[RelatedOut]:
    """Past incidents and near misses like this one: the same alert fingerprints, the same service,
    or similar text; with their reviews and open corrective actions."""
    found = _commands(request).similar(incident_id, hidden_for(request, who))
    return _related(found, _clock(request).now())
