"""Mount the web UI and the status page on the onwatch FastAPI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from onwatch.alerts import web as services
from onwatch.changes import web as changes
from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database
from onwatch.directory import web as directory
from onwatch.incidents import checklists_web, responders_web
from onwatch.incidents import document_web as document
from onwatch.incidents import web as incident
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.reports import ProcessCommands
from onwatch.kernel.clock import Clock
from onwatch.oncall import web as oncall
from onwatch.oncall.commands import OnCallService
from onwatch.paging import trials_web
from onwatch.paging import web as alerts
from onwatch.paging.commands import AlertGroupCommands
from onwatch.reports import web as reports
from onwatch.reports.feedback import web as feedback
from onwatch.reviews import web as reviews
from onwatch.runbooks import web as runbooks
from onwatch.status.subscriptions import StatusSubscriptions
from onwatch.status.web import model as status_model
from onwatch.status.web import routes as status_routes
from onwatch.status.web.cache import StatusCache
from onwatch.web import demo_inbox, pages
from onwatch.web.auth import Sessions, SignInRequired
from onwatch.web.context import CsrfRejected, ViewOnly, Web
from onwatch.web.sign_in import SignInGuard
from onwatch.web.templating import Templates

STATIC = Path(__file__).resolve().parent / "static"


def install_web(
    app: FastAPI,
    *,
    db: Database,
    clock: Clock,
    cache: ConfigCache,
    incidents: IncidentCommands,
    groups: AlertGroupCommands,
    oncall_service: OnCallService,
    process: ProcessCommands,
    public_url: str,
    status_ttl: float = 5.0,
) -> Web:
    templates = Templates()
    sessions = Sessions(db, clock, secure_cookies=public_url.startswith("https://"), cache=cache)
    w = Web(
        db=db,
        clock=clock,
        cache=cache,
        incidents=incidents,
        groups=groups,
        oncall=oncall_service,
        process=process,
        subscriptions=StatusSubscriptions(db, clock, public_url, cache=cache),
        sessions=sessions,
        templates=templates,
        public_url=public_url,
        sign_ins=SignInGuard(sessions, clock),
    )
    app.state.web = w
    status_cache = StatusCache(lambda: status_model.build(db, cache, clock, public_url), ttl=status_ttl)
    app.state.status_cache = status_cache
    status_routes.install(app, status_cache, w)
    modules = (
        pages,
        incident,
        document,
        responders_web,
        checklists_web,
        feedback,
        alerts,
        oncall,
        reviews,
        reports,
        trials_web,
        services,
        directory,
        demo_inbox,
        changes,
        runbooks,
    )
    for module in modules:
        app.include_router(module.router)
    app.include_router(status_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    async def sign_in_first(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return pages.login_redirect(exc.next_path)

    async def csrf_rejected(request: Request, _exc: Exception) -> Response:
        user = w.sessions.user(request)
        return w.page(request, "error.html", user, status_code=403, title="Form rejected",
                      message="This form was sent without its CSRF token (or with a wrong one), so nothing "
                      "was changed. Reload the page and try again.")  # fmt: skip

    async def view_only(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ViewOnly)
        return w.page(request, "error.html", exc.user, status_code=403, title="Not allowed",
                      message=f"Your access is {exc.user.access.level.value}: you can look, but "
                      "changing anything needs a responder (ask an admin).")  # fmt: skip

    app.add_exception_handler(SignInRequired, sign_in_first)
    app.add_exception_handler(ViewOnly, view_only)
    app.add_exception_handler(CsrfRejected, csrf_rejected)
    return w
