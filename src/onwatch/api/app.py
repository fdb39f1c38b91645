"""Build the FastAPI application."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import Receive, Scope, Send

from onwatch import __version__, metrics
from onwatch.alerts import api as integrations
from onwatch.alerts.ingest.pipeline import IngestPipeline
from onwatch.alerts.routes import IngestRoutes
from onwatch.api import health as health_routes
from onwatch.api import openapi, problems
from onwatch.api import timers as engine_timers
from onwatch.api.auth import TokenCache
from onwatch.api.headers import SecurityHeaders
from onwatch.api.health import Health
from onwatch.api.limits import BodySizeLimit, JsonDepthLimit
from onwatch.changes import api as changes
from onwatch.chat import api as chat
from onwatch.config import api as admin
from onwatch.directory import api as directory
from onwatch.directory import whoami_api
from onwatch.incidents import api as incidents
from onwatch.incidents import checklists_api as checklists
from onwatch.incidents import documents_api as documents
from onwatch.incidents import responders_api as responders
from onwatch.oncall import api as oncall
from onwatch.paging import api as alert_groups
from onwatch.paging import links_api as actions
from onwatch.paging import trials_api
from onwatch.reports import api as reports
from onwatch.reports.feedback import api as feedback
from onwatch.reports.feedback import links_api as feedback_links
from onwatch.reports.handoff import api as shift_reports
from onwatch.reviews import api as reviews
from onwatch.runbooks import api as runbooks
from onwatch.slo import api as slo
from onwatch.slo.evaluate import PrometheusClients
from onwatch.web.app import install_web

if TYPE_CHECKING:
    from onwatch.bootstrap import Onwatch


class OnwatchAPI(FastAPI):
    """FastAPI, with the hot alert-ingest routes answered ahead of its middleware stack."""

    ingest_routes: IngestRoutes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routes = self.ingest_routes
        if routes is not None and await routes.handle(scope, receive, send):
            return
        await super().__call__(scope, receive, send)


def create_api(ow: Onwatch, *, web: bool = True) -> FastAPI:
    """The HTTP app over what onwatch.bootstrap built (call `Onwatch.api()`); `web` adds the web UI
    and the public status page (onwatch.web)."""
    db, settings = ow.db, ow.settings
    pipeline = IngestPipeline(ow.ingest)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await pipeline.start()  # ingest's writer and event-loop lane run while the server does
        health.ready()
        try:
            yield
        finally:
            health.drain()
            await pipeline.stop()

    app = OnwatchAPI(
        lifespan=lifespan,
        title="onwatch",
        version=__version__,
        description="Incident management: on-call, paging, incidents, SLOs, status page, reviews.",
    )
    app.state.db = db
    app.state.clock = ow.clock
    app.state.incidents = ow.incidents
    app.state.process = ow.process
    app.state.token_cache = TokenCache()
    app.state.oncall = ow.oncall
    app.state.ingest = ow.ingest
    app.state.ingest_pipeline = pipeline
    # /healthz and /readyz: named checks (each says why its part cannot serve, or None) and the phase
    app.state.health = health = Health(db)
    health.add("ingest", pipeline.problem)
    app.state.groups = ow.groups
    app.state.heartbeats = ow.heartbeats
    app.state.config_cache = ow.cache
    app.state.slack_signing_secret = settings.slack_signing_secret
    app.state.settings = settings
    app.state.trials = ow.trials()
    app.state.chat = ow.chat
    app.state.slo_samples = ow.slo_samples
    app.state.reviews = ow.reviews
    app.state.changes = ow.changes
    app.state.reports = ow.reports
    app.state.feedback = ow.feedback
    app.state.dead_timers = ow.dead_timers()
    app.state.prometheus_clients = PrometheusClients()
    problems.install(app)
    openapi.install(app)
    app.include_router(incidents.groups_router)
    routers = [incidents, documents, directory, admin, engine_timers, oncall, alert_groups, integrations]
    routers += [
        actions,
        chat,
        slo,
        reviews,
        reports,
        trials_api,
        whoami_api,
        changes,
        responders,
        checklists,
        feedback,
        feedback_links,
        shift_reports,
    ]
    routers += [runbooks]
    for module in routers:
        app.include_router(module.router)

    health_routes.install(app, health)

    registry = metrics.registry_for(db)

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    def prometheus_metrics() -> Response:
        """onwatch's own metrics in Prometheus format; needs no token (like /healthz)."""
        return Response(metrics.render(registry), media_type=CONTENT_TYPE_LATEST)

    if web:
        install_web(
            app,
            db=db,
            clock=ow.clock,
            cache=ow.cache,
            incidents=ow.incidents,
            groups=ow.groups,
            oncall_service=ow.oncall,
            process=ow.process,
            public_url=settings.public_url,
        )
    app.add_middleware(JsonDepthLimit)  # inside BodySizeLimit: it reads only bodies within the limit
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(metrics.RequestMetrics)
    app.add_middleware(SecurityHeaders, https_public_url=settings.public_url.startswith("https://"))
    app.ingest_routes = IngestRoutes(app, settings.max_body_bytes)
    return app
