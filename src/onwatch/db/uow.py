"""Unit of work: one transaction per command, with the repositories bound to it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from onwatch.config.store import ConfigRepository
from onwatch.db.connect import create_engine, normalise_url, read_options
from onwatch.db.timeline import TimelineStore
from onwatch.db.work import EngineRepository
from onwatch.directory.store import DirectoryRepository
from onwatch.directory.tokens import TokenRepository
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.incidents.store.role_pages import ProcessRepository
from onwatch.kernel.events import EventBus
from onwatch.oncall.store import OnCallRepository
from onwatch.paging.store.groups import AlertRepository
from onwatch.slo.store import SloRepository


class UnitOfWork:
    def __init__(self, conn: sa.Connection, events: EventBus[UnitOfWork]) -> None:
        self.conn = conn
        self._events = events

    def publish(self, event: object) -> None:
        """Run the handlers of a domain event now, inside this transaction (onwatch.kernel.events)."""
        self._events.publish(self, event)

    @cached_property
    def incidents(self) -> IncidentRepository:
        return IncidentRepository(self.conn)

    @cached_property
    def directory(self) -> DirectoryRepository:
        return DirectoryRepository(self.conn)

    @cached_property
    def config(self) -> ConfigRepository:
        return ConfigRepository(self.conn)

    @cached_property
    def alerts(self) -> AlertRepository:
        return AlertRepository(self.conn)

    @cached_property
    def engine(self) -> EngineRepository:
        return EngineRepository(self.conn)

    @cached_property
    def oncall(self) -> OnCallRepository:
        return OnCallRepository(self.conn)

    @cached_property
    def slo(self) -> SloRepository:
        return SloRepository(self.conn)

    @cached_property
    def tokens(self) -> TokenRepository:
        return TokenRepository(self.conn)

    @cached_property
    def process(self) -> ProcessRepository:
        return ProcessRepository(self.conn)

    @cached_property
    def timeline(self) -> TimelineStore:
        return TimelineStore(self.conn)


class Database:
    """The engine plus transaction scopes. `write()` commits on success and rolls back on error."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = engine or create_engine(self.url)
        # the reactions between slices; onwatch.bootstrap subscribes them
        self.events: EventBus[UnitOfWork] = EventBus()
        # SQLite has one writer at a time. Threads of this process queue on a lock, first come first
        # served, instead of SQLite's busy handler, which polls with sleeps of up to 100 ms and made
        # p99 latency under concurrent writes ~20x the median. Other processes still use busy_timeout.
        self._write_lock: threading.Lock | None = threading.Lock() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[UnitOfWork]:
        serialised: AbstractContextManager[object] = self._write_lock or nullcontext()
        with serialised, self.engine.connect() as conn:
            conn.info.pop("onwatch_notified", None)  # the connection is pooled: reset per transaction
            with conn.begin():
                yield UnitOfWork(conn, self.events)

    @contextmanager
    def read(self) -> Iterator[UnitOfWork]:
        with self.engine.connect() as conn:
            conn.execution_options(**read_options())
            with conn.begin():
                yield UnitOfWork(conn, self.events)

    def dispose(self) -> None:
        self.engine.dispose()
