"""Wiring: the database, the clock and the API built from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from onwatch.domain.clock import Clock, SystemClock
from onwatch.settings import Settings
from onwatch.store.uow import Database

if TYPE_CHECKING:
    from fastapi import FastAPI


@dataclass
class Onwatch:
    settings: Settings
    db: Database
    clock: Clock

    @classmethod
    def from_settings(cls, settings: Settings | None = None, clock: Clock | None = None) -> Onwatch:
        settings = settings or Settings()
        return cls(settings=settings, db=Database(settings.database_url), clock=clock or SystemClock())

    def api(self) -> FastAPI:
        from onwatch.api.app import create_api  # the CLI starts faster without FastAPI loaded

        return create_api(self.db, self.clock, max_body_bytes=self.settings.max_body_bytes)


def asgi_app() -> FastAPI:
    """Factory for `uvicorn --factory onwatch.app:asgi_app`."""
    return Onwatch.from_settings().api()
