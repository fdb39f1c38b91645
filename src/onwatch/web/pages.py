"""Sign-in, sign-out, the dashboard and the declare form."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, cast
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from onwatch.config.cache import AppliedConfig
from onwatch.directory.store import DirectoryRepository
from onwatch.incidents.domain.rules import next_update_due
from onwatch.incidents.store.incidents import IncidentFilter
from onwatch.incidents.views import ago, cadence_table
from onwatch.kernel.enums import Role, Severity, Status
from onwatch.kernel.errors import DomainError, NotFound
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.reports.queries import Reports
from onwatch.reviews.store.reviews import ReviewFilter, ReviewRepository
from onwatch.reviews.web import like
from onwatch.slo.store import SloRepository
from onwatch.web.auth import SESSION_COOKIE, WebUser, csrf_ok
from onwatch.web.context import Posted, Web, acting, acting_user, posted, see_other, signed_in, web
from onwatch.web.sign_in import SignInRefused

router = APIRouter(include_in_schema=False)
EXPIRED = "This form expired (its CSRF token is missing or wrong); reload the page and sign in again."

User = Annotated[WebUser, Depends(signed_in)]
Form = Annotated[Posted, Depends(posted)]
Acting = Annotated[Posted, Depends(acting)]
ActingUser = Annotated[WebUser, Depends(acting_user)]
W = Annotated[Web, Depends(web)]


def _safe_next(target: str | None) -> str:
    # only paths on this site: never an open redirect to another host
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, w: W, next: str = "/") -> Response:
    token = w.sessions.form_token(request)
    response = w.page(request, "login.html", None, form_token=token, next=_safe_next(next), error=None)
    w.sessions.set_form_cookie(response, token)
    return response


@router.post("/login")
async def login(request: Request, w: W) -> Response:
    form = await request.form()
    person = str(form.get("person", "")).strip()
    password = str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    token = w.sessions.form_token(request)
    headers: dict[str, str] = {}
    if not csrf_ok(request.cookies.get("onwatch_form"), form.get("csrf_token")):
        status, error = 400, EXPIRED
    else:
        try:
            result = await w.sign_ins.sign_in(
                person, password, request.client.host if request.client else None
            )
        except SignInRefused as refused:
            result, status, error = None, refused.status_code, refused.message
            headers["Retry-After"] = str(refused.retry_after)
        else:
            status, error = 401, "Unknown person or wrong password."
        if result is not None:
            response = see_other(target)
            w.sessions.set_cookie(response, result[0])
            return response
    response = w.page(
        request, "login.html", None, status_code=status,
        form_token=token, next=target, error=error, person=person,
    )  # fmt: skip
    response.headers.update(headers)
    w.sessions.set_form_cookie(response, token)
    return response


@router.post("/logout")
def logout(w: W, form: Form) -> Response:
    w.sessions.sign_out(form.user)
    response = see_other("/login")
    w.sessions.clear_cookie(response)
    return response


FAILING_WINDOW = timedelta(hours=24)  # a delivery failed for good shows on the dashboard this long


@router.get("/")
def dashboard(request: Request, w: W, user: User) -> Response:
    now = w.clock.now()
    try:
        applied: AppliedConfig | None = w.oncall.applied()
        oncall = w.oncall.who()
    except NotFound:  # no configuration applied yet: the dashboard still answers
        applied, oncall = None, []
    cadence = cadence_table(applied)
    hidden = w.hidden(user)  # confidential incidents outside the person's circle
    open_incidents = w.incidents.find(IncidentFilter(active=True, hidden=hidden))
    rows = [
        {
            "incident": i,
            "age": ago(now, i.declared_at),
            "since_update": ago(now, i.last_public_update_at),
            "due": next_update_due(i, cadence),
        }
        for i in open_incidents
    ]
    groups = [
        g
        for s in (GroupStatus.TRIGGERED, GroupStatus.ACKNOWLEDGED)
        for g in w.groups.groups(status=s, hidden_incidents=hidden)
    ]
    with w.db.read() as uow:
        services = uow.repo(DirectoryRepository).services()
        slo = {sid: r.tracker for sid, r in uow.repo(SloRepository).states().items()}
        failing = uow.outbox.failing(now - FAILING_WINDOW)
        overdue = uow.repo(ReviewRepository).find(
            ReviewFilter(overdue_at=now, hidden_incidents=hidden, limit=50)
        )
        # timers that failed every attempt: an escalation step or a reminder that will not run alone
        dead_timers = uow.timers.count_dead() if user.is_admin else 0
    reports: Reports = request.app.state.reports
    strip = reports.strip(now, hidden) if applied is not None else None
    return w.page(
        request, "dashboard.html", user,
        incidents=rows, oncall=oncall, groups=groups, services=services, people=w.people(),
        slo=slo, failing=failing, overdue_reviews=overdue, dead_timers=dead_timers, strip=strip,
        role_names={r: rc.name for r, rc in applied.config.roles.items()} if applied else {},
    )  # fmt: skip


@router.post("/page")
def page_role(request: Request, w: W, form: Acting) -> Response:
    """The dashboard's "Page the IMOC" (or CMOC, EOC) without an incident: a role page that
    escalates like any other; the page opens on the alert group carrying it."""
    try:
        role = Role(form.get("role", Role.IMOC.value))
        group = w.process.page_role(role, form.get("reason"), form.user.actor)
    except ValueError:
        return see_other("/")
    except DomainError as exc:
        return w.page(
            request, "error.html", form.user, status_code=exc.status_code, title="Not paged",
            message=exc.message,
        )  # fmt: skip
    return see_other(f"/alerts/{group}")


def _declare_form(request: Request, w: W, user: WebUser, **extra: object) -> Response:
    with w.db.read() as uow:
        services = uow.repo(DirectoryRepository).services()
    context: dict[str, object] = {
        "services": services,
        "severities": list(Severity),
        "statuses": [s for s in Status if s is not Status.OPERATIONAL],
        "errors": {},
        "values": {"severity": "S3", "status": Status.DEGRADED_PERFORMANCE.value, "services": []},
    }
    context.update(extra)
    typed = cast(dict[str, Any], context["values"])
    context["similar"] = like(request, w, user, str(typed.get("title") or ""), list(typed["services"]))
    status_code = 422 if context["errors"] else 200
    return w.page(request, "declare.html", user, status_code=status_code, **context)


@router.get("/incidents/new")
def declare_page(
    request: Request,
    w: W,
    user: ActingUser,
    title: str = "",
    services: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The declare form; `?title=...&services=...` fills it in and shows what was seen before."""
    chosen = list(services or [])
    values = {"title": title[:200], "severity": "S3", "status": Status.DEGRADED_PERFORMANCE.value}
    return _declare_form(request, w, user, values={**values, "services": chosen})


@router.post("/incidents")
def declare(request: Request, w: W, form: Acting) -> Response:
    values = {
        "title": form.get("title"),
        "severity": form.get("severity"),
        "status": form.get("status", Status.DEGRADED_PERFORMANCE.value),
        "services": form.lists.get("services", []),
        "security": form.get("security") == "on",
    }
    errors: dict[str, str] = {}
    if not str(values["title"]).strip():
        errors["title"] = "Enter a title: what is broken, as users see it."
    severity: Severity | None = None
    try:
        severity = Severity.parse(values["severity"])
    except ValueError as exc:
        text = str(exc)
        errors["severity"] = text[:1].upper() + text[1:]
    try:
        status = Status(str(values["status"]))
    except ValueError:
        errors["status"] = f"Unknown status {values['status']!r}."
    if errors or severity is None:
        return _declare_form(request, w, form.user, errors=errors, values=values)
    try:
        incident = w.incidents.declare(
            form.user.actor,
            title=str(values["title"]),
            severity=severity,
            services=list(form.lists.get("services", [])),
            status=status,
            security=bool(values["security"]),
            document=_choice(form.get("document")),
            announce=_choice(form.get("announce")),
            page=_pages(form) if form.get("pages") == "chosen" else None,
        )
    except DomainError as exc:
        return _declare_form(request, w, form.user, errors={exc.field or "form": exc.message}, values=values)
    return see_other(f"/incidents/{incident.id}")


def _choice(value: str) -> bool | None:
    """A select of "as the severity's default" (""), "yes" and "no"."""
    return {"yes": True, "no": False}.get(value)


def _pages(form: Acting) -> frozenset[Role]:
    return frozenset(Role(r) for r in form.lists.get("page", []) if r in {x.value for x in Role})


def login_redirect(next_path: str) -> Response:
    return see_other(f"/login?next={quote(next_path, safe='/')}")


__all__ = ["SESSION_COOKIE", "login_redirect", "router"]
