"""`/healthz` (can this process serve?) and `/readyz` (should a load balancer send it requests?).

Health is a set of named checks, each saying why its part cannot serve (a str) or None: the database
(one `SELECT 1` with a short timeout), the ingest writer (alerts/ingest/group_commit.py), the engine's
threads when this process runs one. 503 problem+json names every failing part.

Readiness is health plus the life cycle: a process is not ready while it starts (before the app's
startup finished) nor while it drains (SIGTERM received: it finishes the requests in flight and takes
no new ones), so a load balancer stops sending before the process goes away.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from onwatch import __version__
from onwatch.api.problems import problem, responses
from onwatch.db.uow import Database

DATABASE_TIMEOUT = 2.0  # seconds /healthz waits for the database before it calls it unreachable

Check = Callable[[], str | None]


class Phase(enum.Enum):
    STARTING = "starting"
    READY = "ready"
    DRAINING = "draining"


class Health:
    """This process's checks and life-cycle phase (one per API app: `app.state.health`)."""

    def __init__(self, db: Database, *, database_timeout: float = DATABASE_TIMEOUT) -> None:
        self.db = db
        self.database_timeout = database_timeout
        self.phase = Phase.STARTING
        self.checks: dict[str, Check] = {}
        # at most one database probe at a time: an unreachable database must not pile up threads
        self._probe: asyncio.Future[str | None] | None = None

    def add(self, name: str, check: Check) -> None:
        """Register a part of this process; `check()` must be quick and must not block."""
        self.checks[name] = check

    def ready(self) -> None:
        if self.phase is Phase.STARTING:
            self.phase = Phase.READY

    def drain(self) -> None:
        """From now on not ready (SIGTERM received, or the app shutting down)."""
        self.phase = Phase.DRAINING

    async def failing(self) -> dict[str, str]:
        """Each failing part with why it fails; empty when this process can serve."""
        failing: dict[str, str] = {}
        for name, check in self.checks.items():
            try:
                why = check()
            except Exception as exc:  # a check that breaks says the part is broken
                why = f"{type(exc).__name__}: {exc}"
            if why is not None:
                failing[name] = why
        if (why := await self._database()) is not None:
            failing["database"] = why
        return failing

    async def _database(self) -> str | None:
        probe = self._probe
        if probe is None or probe.done() or probe.get_loop() is not asyncio.get_running_loop():
            probe = self._probe = asyncio.ensure_future(asyncio.to_thread(self._select_one))
        try:
            return await asyncio.wait_for(asyncio.shield(probe), self.database_timeout)
        except TimeoutError:
            return f"the database did not answer within {self.database_timeout:g} s"

    def _select_one(self) -> str | None:
        try:
            with self.db.read() as uow:
                uow.conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # any database failure means "cannot serve"
            return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return None


def _unavailable(title: str, failing: dict[str, str]) -> JSONResponse:
    detail = "; ".join(f"{name}: {why}" for name, why in failing.items())
    response = problem(503, title, detail, errors=[{"field": n, "message": w} for n, w in failing.items()])
    response.headers["Retry-After"] = "5"
    return response


def install(app: FastAPI, health: Health) -> None:
    """The two routes (no token: probes and load balancers call them)."""

    @app.get("/healthz", tags=["health"], responses=responses(503))
    async def healthz() -> JSONResponse:
        """Whether this process can serve: its database reachable, its threads alive. 503
        problem+json names each failing part (`errors[].field`: database, ingest, engine)."""
        if failing := await health.failing():
            return _unavailable("Not healthy", failing)
        return JSONResponse({"status": "ok", "database": health.db.dialect, "version": __version__})

    @app.get("/readyz", tags=["health"], responses=responses(503))
    async def readyz() -> JSONResponse:
        """Whether a load balancer should send requests here: healthy, started and not draining."""
        if health.phase is not Phase.READY:
            return _unavailable("Not ready", {"process": f"this process is {health.phase.value}"})
        if failing := await health.failing():
            return _unavailable("Not ready", failing)
        return JSONResponse({"status": "ready"})
