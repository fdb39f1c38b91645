"""Build the FastAPI application."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from onwatch import __version__
from onwatch.api import problems
from onwatch.api.auth import TokenCache
from onwatch.api.ingest_routes import IngestRoutes
from onwatch.api.limits import BodySizeLimit
from onwatch.api.routers import actions, admin, alert_groups, directory, incidents, integrations, oncall
from onwatch.commands.alert_groups import AlertGroupCommands, SignerSource
from onwatch.commands.alerts import AlertIngest
from onwatch.commands.config_cache import ConfigCache
from onwatch.commands.group_commit import GroupCommit
from onwatch.commands.heartbeats import Heartbeats
from onwatch.commands.incidents import IncidentCommands
from onwatch.commands.oncall import OnCallService
from onwatch.domain.clock import Clock
from onwatch.store.uow import Database


def create_api(
    db: Database,
    clock: Clock,
    *,
    max_body_bytes: int = 1_048_576,
    public_url: str = "http://127.0.0.1:8080",
    wake: Callable[[], None] = lambda: None,
) -> FastAPI:
    """`wake` is called after a commit that queued work for the engine (a worker in this process)."""
    app = FastAPI(
        title="onwatch",
        version=__version__,
        description="Incident management: on-call, paging, incidents, SLOs, status page, reviews.",
    )
    cache = ConfigCache()
    signer = SignerSource(public_url)
    app.state.db = db
    app.state.clock = clock
    app.state.incidents = IncidentCommands(db, clock)
    app.state.token_cache = TokenCache()
    app.state.oncall = OnCallService(db, clock, cache)
    app.state.ingest = AlertIngest(db, clock, cache, signer, on_commit=wake)
    app.state.group_commit = GroupCommit(app.state.ingest)
    app.state.groups = AlertGroupCommands(db, clock, cache, signer, on_commit=wake)
    app.state.heartbeats = Heartbeats(db, clock, cache, signer, on_commit=wake)
    problems.install(app)
    for module in (incidents, directory, admin, oncall, alert_groups, integrations, actions):
        app.include_router(module.router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Liveness and database reachability; needs no token."""
        try:
            with db.read() as uow:
                uow.conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # any database failure means "not healthy"
            return JSONResponse({"status": "unavailable", "detail": str(exc)[:200]}, status_code=503)
        return JSONResponse({"status": "ok", "database": db.dialect, "version": __version__})

    app.add_middleware(IngestRoutes)  # the hot ingest routes, before FastAPI's routing
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)  # outermost: also guards IngestRoutes
    return app
