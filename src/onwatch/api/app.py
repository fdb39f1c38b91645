"""Build the FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from onwatch import __version__
from onwatch.api import problems
from onwatch.api.auth import TokenCache
from onwatch.api.limits import BodySizeLimit
from onwatch.api.routers import admin, directory, incidents, oncall
from onwatch.commands.incidents import IncidentCommands
from onwatch.commands.oncall import OnCallService
from onwatch.domain.clock import Clock
from onwatch.store.uow import Database


def create_api(db: Database, clock: Clock, *, max_body_bytes: int = 1_048_576) -> FastAPI:
    app = FastAPI(
        title="onwatch",
        version=__version__,
        description="Incident management: on-call, paging, incidents, SLOs, status page, reviews.",
    )
    app.state.db = db
    app.state.clock = clock
    app.state.incidents = IncidentCommands(db, clock)
    app.state.token_cache = TokenCache()
    app.state.oncall = OnCallService(db, clock)
    problems.install(app)
    app.include_router(incidents.router)
    app.include_router(directory.router)
    app.include_router(admin.router)
    app.include_router(oncall.router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Liveness and database reachability; needs no token."""
        try:
            with db.read() as uow:
                uow.conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # any database failure means "not healthy"
            return JSONResponse({"status": "unavailable", "detail": str(exc)[:200]}, status_code=503)
        return JSONResponse({"status": "ok", "database": db.dialect, "version": __version__})

    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    return app
