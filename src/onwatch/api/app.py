"""Build the FastAPI application."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import Receive, Scope, Send

from onwatch import __version__, metrics
from onwatch.alerts import api as integrations
from onwatch.alerts.heartbeats import Heartbeats
from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.alerts.ingest.pipeline import IngestPipeline
from onwatch.alerts.routes import IngestRoutes
from onwatch.api import health as health_routes
from onwatch.api import openapi, problems
from onwatch.api.auth import TokenCache
from onwatch.api.headers import SecurityHeaders
from onwatch.api.health import Health
from onwatch.api.limits import BodySizeLimit, JsonDepthLimit
from onwatch.bootstrap import subscribe_reactions
from onwatch.chat import api as chat
from onwatch.chat.actions import ChatActions
from onwatch.config import api as admin
from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database
from onwatch.directory import api as directory
from onwatch.incidents import api as incidents
from onwatch.incidents import documents_api as documents
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.reports import ProcessCommands
from onwatch.kernel.clock import Clock
from onwatch.oncall import api as oncall
from onwatch.oncall.commands import OnCallService
from onwatch.paging import api as alert_groups
from onwatch.paging import links_api as actions
from onwatch.paging.commands import AlertGroupCommands, SignerSource
from onwatch.slo import api as slo
from onwatch.slo.evaluate import PrometheusClients
from onwatch.slo.samples import SloSamples


class OnwatchAPI(FastAPI):
    """FastAPI, with the hot alert-ingest routes answered ahead of its middleware stack."""

    ingest_routes: IngestRoutes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routes = self.ingest_routes
        if routes is not None and await routes.handle(scope, receive, send):
            return
        await super().__call__(scope, receive, send)


def create_api(
    db: Database,
    clock: Clock,
    *,
    max_body_bytes: int = 1_048_576,
    public_url: str = "http://127.0.0.1:8080",
    wake: Callable[[], None] = lambda: None,
    slack_signing_secret: str = "",
    web: bool = True,
) -> FastAPI:
    """`wake` is called after a commit that queued work for the engine (a worker in this process).
    `web` adds the web UI and the public status page (onwatch.web)."""

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
    subscribe_reactions(db, public_url)
    cache = ConfigCache()
    signer = SignerSource(public_url)
    app.state.db = db
    app.state.clock = clock
    app.state.incidents = IncidentCommands(db, clock, cache, signer, on_commit=wake)
    app.state.process = ProcessCommands(db, clock, cache, signer, on_commit=wake)
    app.state.token_cache = TokenCache()
    app.state.oncall = OnCallService(db, clock, cache)
    app.state.ingest = AlertIngest(db, clock, cache, signer, on_commit=wake)
    app.state.ingest_pipeline = pipeline = IngestPipeline(app.state.ingest)
    # /healthz and /readyz: named checks (each says why its part cannot serve, or None) and the phase
    app.state.health = health = Health(db)
    health.add("ingest", pipeline.problem)
    app.state.groups = AlertGroupCommands(db, clock, cache, signer, on_commit=wake)
    app.state.heartbeats = Heartbeats(db, clock, cache, signer, on_commit=wake)
    app.state.config_cache = cache
    app.state.slack_signing_secret = slack_signing_secret
    app.state.chat = ChatActions(app.state.incidents, app.state.process, app.state.groups, app.state.oncall)
    app.state.slo_samples = SloSamples(db, clock, cache)
    app.state.prometheus_clients = PrometheusClients()
    problems.install(app)
    openapi.install(app)
    app.include_router(incidents.groups_router)
    routers = (incidents, documents, directory, admin, oncall, alert_groups, integrations, actions, chat, slo)
    for module in routers:
        app.include_router(module.router)

    health_routes.install(app, health)

    registry = metrics.registry_for(db)

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    def prometheus_metrics() -> Response:
        """onwatch's own metrics in Prometheus format; needs no token (like /healthz)."""
        return Response(metrics.render(registry), media_type=CONTENT_TYPE_LATEST)

    if web:
        from onwatch.web.app import install_web

        install_web(
            app,
            db=db,
            clock=clock,
            cache=cache,
            incidents=app.state.incidents,
            groups=app.state.groups,
            oncall_service=app.state.oncall,
            process=app.state.process,
            public_url=public_url,
        )
    app.add_middleware(JsonDepthLimit)  # inside BodySizeLimit: it reads only bodies within the limit
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(metrics.RequestMetrics)
    app.add_middleware(SecurityHeaders, https_public_url=public_url.startswith("https://"))
    app.ingest_routes = IngestRoutes(app, max_body_bytes)
    return app
