"""The reviews' web pages: the list (with CSV), a review (sections edited with a Markdown preview,
the frozen prefill, key events, corrective actions, the workflow with refused actions disabled and
the rule's message), a print-friendly page, and the near-miss form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import HTMLResponse, Response

from onwatch.api.params import Id
from onwatch.directory.store import DirectoryRepository
from onwatch.kernel import choices
from onwatch.kernel.choices import choose
from onwatch.kernel.errors import DomainError, InvalidInput, NotFound
from onwatch.reviews.api import imoc_member
from onwatch.reviews.commands import Related, ReviewCommands
from onwatch.reviews.domain.enums import ActionStatus, KeyEventTag, ReviewKind, ReviewStatus, RootCause
from onwatch.reviews.domain.refusals import review_refusals
from onwatch.reviews.domain.review import KeyEventMark, Review
from onwatch.reviews.domain.template import PROMPTS, headings
from onwatch.reviews.export import csv_list, markdown, owner_shown
from onwatch.reviews.store.reviews import ReviewFilter
from onwatch.web.auth import WebUser
from onwatch.web.context import Posted, Web, acting, see_other, signed_in, web
from onwatch.web.markdown import render

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
Form = Annotated[Posted, Depends(acting)]
W = Annotated[Web, Depends(web)]


def _reviews(request: Request) -> ReviewCommands:
    commands: ReviewCommands = request.app.state.reviews
    return commands


def _reveal(w: Web, user: WebUser) -> bool:
    """Who filed an anonymous near miss: shown to admins and the incident managers."""
    if user.is_admin:
        return True
    with w.db.read() as uow:
        try:
            applied = w.cache.get(uow)
        except NotFound:
            return False
    return imoc_member(applied, user.person_id)


def _visible(w: Web, user: WebUser, review: Review) -> bool:
    return review.incident_id is None or w.sees_incident(user, review.incident_id)


def _not_found(request: Request, w: Web, user: WebUser, review_id: int) -> Response:
    return w.page(request, "not_found.html", user, status_code=404, what=f"review {review_id}")


def _due(value: str, field: str) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("give a date such as 2027-01-31", field=field) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@router.get("/reviews")
def reviews_page(
    request: Request, w: W, user: User, status: str = "", kind: str = "", overdue: str = "", q: str = ""
) -> Response:
    commands = _reviews(request)
    now = w.clock.now()
    flt = ReviewFilter(
        status=choose(ReviewStatus, status, "status") if status else None,
        kind=choose(ReviewKind, kind, "kind") if kind else None,
        overdue_at=now if overdue else None,
        hidden_incidents=w.hidden(user),
        limit=500,
    )
    found = commands.find(flt)
    reveal = _reveal(w, user)
    rows = [{"review": r, "owner": owner_shown(r, reveal)[0], "overdue": r.overdue(now)} for r in found]
    hits = commands.search(q[:500], w.hidden(user)) if q.strip() else []
    with w.db.read() as uow:
        services = uow.repo(DirectoryRepository).services()
    return w.page(
        request, "reviews.html", user, rows=rows, statuses=list(ReviewStatus), status=status, kind=kind,
        overdue=overdue, severities=["S1", "S2", "S3", "S4"], q=q, hits=hits, services=services,
    )  # fmt: skip


@router.get("/reviews.csv")
def reviews_csv(request: Request, w: W, user: User) -> Response:
    commands = _reviews(request)
    found = commands.find(ReviewFilter(hidden_incidents=w.hidden(user), limit=100_000))
    body = csv_list(
        found, commands.open_action_counts([r.id or 0 for r in found]), w.clock.now(), reveal=_reveal(w, user)
    )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="reviews.csv"'},
    )


def render_review(
    request: Request, w: Web, user: WebUser, review_id: int, *, error: str | None = None,
    status_code: int = 200, drafts: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    commands = _reviews(request)
    try:
        detail = commands.detail(review_id)
    except NotFound:
        return _not_found(request, w, user, review_id)
    review = detail.review
    if not _visible(w, user, review):
        return _not_found(request, w, user, review_id)
    now = w.clock.now()
    open_actions = len([a for a in detail.actions if a.status is not ActionStatus.WONT_DO])
    reveal = _reveal(w, user)
    owner, reporter = owner_shown(review, reveal)
    sections = [
        {
            "key": key,
            "title": title,
            "text": review.sections.get(key, ""),
            "html": render(review.sections.get(key, "")),
            "draft": (drafts or {}).get(key, review.sections.get(key, "")),
            "prompt": PROMPTS.get(key, ""),
        }
        for key, title in headings(review.near_miss_review).items()
    ]
    timeline: list[dict[str, Any]] = []
    events = review.prefill.get("timeline")
    for e in events if isinstance(events, list) else []:
        if isinstance(e, dict):
            timeline.append({**e, "mark": review.marks.get(int(e["id"])) or KeyEventMark()})
    timeline.sort(key=lambda e: (not e["mark"].starred, e["id"]))
    return w.page(
        request, "review.html", user, status_code=status_code, r=review, owner=owner, reporter=reporter,
        sections=sections, actions=detail.actions,
        history=detail.events if reveal or not review.anonymous else [],
        prefill=review.prefill, timeline=timeline,
        refused=review_refusals(review, user.actor, now, open_actions),
        categories=list(RootCause), severities=["S1", "S2", "S3", "S4"], action_statuses=list(ActionStatus),
        tags=list(KeyEventTag), people=w.people(), error=error,
        follow_ups=commands.open_follow_ups(review.incident_id) if review.incident_id else [],
    )  # fmt: skip


@router.get("/reviews/{review_id}")
def review_page(request: Request, review_id: Id, w: W, user: User) -> Response:
    commands = _reviews(request)
    try:
        review = commands.get(review_id)
    except NotFound:
        return _not_found(request, w, user, review_id)
    if (
        review.started_at is None
        and review.owner_id == user.person_id
        and user.may_act
        and _visible(w, user, review)
    ):
        commands.start(review_id, user.actor)  # the owner opened it: the evening reminder stays quiet
    return render_review(request, w, user, review_id)


@router.get("/reviews/{review_id}/print")
def review_print(request: Request, review_id: Id, w: W, user: User) -> Response:
    """A print-friendly page: the Markdown export rendered, nothing interactive."""
    commands = _reviews(request)
    try:
        detail = commands.detail(review_id)
    except NotFound:
        return _not_found(request, w, user, review_id)
    if not _visible(w, user, detail.review):
        return _not_found(request, w, user, review_id)
    body = render(markdown(detail.review, detail.actions, reveal=_reveal(w, user)))
    return w.templates.response("review_print.html", request=request, user=user, body=body, r=detail.review)


@router.get("/reviews/{review_id}/export.md")
def review_markdown(request: Request, review_id: Id, w: W, user: User) -> Response:
    detail = _reviews(request).detail(review_id)
    if not _visible(w, user, detail.review):
        return _not_found(request, w, user, review_id)
    return Response(
        markdown(detail.review, detail.actions, reveal=_reveal(w, user)),
        media_type="text/markdown; charset=utf-8",
    )


@router.post("/reviews/{review_id}/preview")
def preview(review_id: Id, form: Form) -> Response:
    """htmx: the section being edited, rendered (raw HTML is not allowed through)."""
    key = form.get("section")
    return HTMLResponse(render(form.get(f"section_{key}")))


def _guarded(request: Request, w: Web, form: Posted, review_id: int) -> Review | Response:
    try:
        review = _reviews(request).get(review_id)
    except NotFound:
        return _not_found(request, w, form.user, review_id)
    if not _visible(w, form.user, review):
        return _not_found(request, w, form.user, review_id)
    return review


@router.post("/reviews/{review_id}/sections")
def save_sections(request: Request, review_id: Id, w: W, form: Form) -> Response:
    review = _guarded(request, w, form, review_id)
    if isinstance(review, Response):
        return review
    drafts = {
        k: form.get(f"section_{k}") for k in headings(review.near_miss_review) if f"section_{k}" in form.form
    }
    try:
        base = form.get("base_version")
        if not base.isdigit():
            raise InvalidInput("the form lost its base version; reload the page", field="base_version")
        _reviews(request).edit(review_id, drafts, int(base), form.user.actor)
    except DomainError as exc:  # keep what they typed: after a conflict they merge it
        return render_review(
            request, w, form.user, review_id, error=exc.message, status_code=exc.status_code, drafts=drafts
        )
    return see_other(f"/reviews/{review_id}#sections")


@router.post("/reviews/{review_id}/workflow")
def workflow(request: Request, review_id: Id, w: W, form: Form) -> Response:
    review = _guarded(request, w, form, review_id)
    if isinstance(review, Response):
        return review
    commands, actor, action = _reviews(request), form.user.actor, form.get("action")
    try:
        if action == "submit":
            commands.submit(review_id, actor)
        elif action == "complete":
            raw = form.get("category")
            commands.complete(
                review_id,
                actor,
                category=choose(RootCause, raw, "category") if raw else None,
                final_severity=choices.severity(form.get("final_severity"))
                if form.get("final_severity")
                else None,
                no_actions_reason=form.get("no_actions_reason").strip() or None,
            )
        elif action == "reopen":
            commands.reopen(review_id, actor)
        elif action == "owner":
            commands.reassign(review_id, form.get("person"), actor)
        else:
            raise InvalidInput(f"unknown action {action!r}", field="action")
    except DomainError as exc:
        return render_review(request, w, form.user, review_id, error=exc.message, status_code=exc.status_code)
    return see_other(f"/reviews/{review_id}")


@router.post("/reviews/{review_id}/timeline/{event_id}")
def mark_event(request: Request, review_id: Id, event_id: Id, w: W, form: Form) -> Response:
    review = _guarded(request, w, form, review_id)
    if isinstance(review, Response):
        return review
    try:
        tag = form.get("tag")
        mark = KeyEventMark(
            starred=form.get("starred") == "on",
            hidden=form.get("hidden") == "on",
            tag=choose(KeyEventTag, tag, "tag") if tag else None,
            note=form.get("note").strip(),
        )
        _reviews(request).mark_event(review_id, event_id, mark, form.user.actor)
    except DomainError as exc:
        return render_review(request, w, form.user, review_id, error=exc.message, status_code=exc.status_code)
    return see_other(f"/reviews/{review_id}#timeline")


@router.post("/reviews/{review_id}/corrective-actions")
def add_action(request: Request, review_id: Id, w: W, form: Form) -> Response:
    review = _guarded(request, w, form, review_id)
    if isinstance(review, Response):
        return review
    try:
        _reviews(request).add_action(
            review_id,
            form.user.actor,
            title=form.get("title"),
            owner=form.get("owner") or None,
            due_at=_due(form.get("due"), "due"),
            link=form.get("link") or None,
        )
    except DomainError as exc:
        return render_review(request, w, form.user, review_id, error=exc.message, status_code=exc.status_code)
    return see_other(f"/reviews/{review_id}#actions")


@router.post("/corrective-actions/{action_id}")
def change_action(request: Request, action_id: Id, w: W, form: Form) -> Response:
    commands = _reviews(request)
    try:
        action = commands.action(action_id)
    except NotFound:
        return w.page(
            request, "not_found.html", form.user, status_code=404, what=f"corrective action {action_id}"
        )
    review = _guarded(request, w, form, action.review_id)
    if isinstance(review, Response):
        return review
    try:
        commands.change_action(
            action_id,
            form.user.actor,
            status=choose(ActionStatus, form.get("status"), "status"),
            reason=form.get("reason").strip() or None,
        )
    except DomainError as exc:
        return render_review(
            request, w, form.user, action.review_id, error=exc.message, status_code=exc.status_code
        )
    return see_other(f"/reviews/{action.review_id}#actions")


@router.post("/near-misses")
def file_near_miss(request: Request, w: W, form: Form) -> Response:
    try:
        review = _reviews(request).file_near_miss(
            form.user.actor,
            title=form.get("title"),
            severity=choices.severity(form.get("severity") or "S3"),
            services=[s for s in form.lists.get("services", []) if s],
            barrier=form.get("barrier"),
            lucky=form.get("lucky"),
            anonymous=form.get("anonymous") == "on",
        )
    except DomainError as exc:
        return w.page(
            request,
            "error.html",
            form.user,
            status_code=exc.status_code,
            title="Near miss not filed",
            message=exc.message,
        )
    return see_other(f"/reviews/{review.id}")


@router.get("/incidents/{incident_id}/similar")
def similar_fragment(request: Request, incident_id: Id, w: W, user: User) -> Response:
    """htmx, on the incident page: past incidents and near misses like it, with open actions."""
    if not w.sees_incident(user, incident_id):
        return HTMLResponse("", status_code=404)
    try:
        found = _reviews(request).similar(incident_id, w.hidden(user))
    except NotFound:
        return HTMLResponse("", status_code=404)
    return w.templates.response("review_similar.html", request=request, user=user, found=found)


@router.get("/similar-incidents")
def like_fragment(
    request: Request, w: W, user: User, title: str = "", services: Annotated[list[str] | None, Query()] = None
) -> Response:
    """htmx, on the declare form and the near-miss form: before declaring or filing, the past
    incidents and near misses most like the title typed and the services ticked, with their
    reviews and open corrective actions."""
    found = like(request, w, user, title, services or [])
    if found is None:
        return HTMLResponse("")
    return w.templates.response("review_similar.html", request=request, user=user, found=found)


def like(request: Request, w: Web, user: WebUser, title: str, services: list[str]) -> list[Related] | None:
    """What the declare and near-miss forms show as seen before (None: nothing typed or ticked yet)."""
    # bounded, and a NUL (which PostgreSQL cannot take) is no service anyone has
    chosen = [s[:64] for s in services if s and "\x00" not in s][:20]
    if not title.strip() and not chosen:
        return None
    return _reviews(request).like(title[:500], chosen, w.hidden(user))
