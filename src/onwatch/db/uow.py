"""Unit of work: one transaction per command, with the repositories bound to it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cached_property
from typing import TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from onwatch.db.connect import create_engine, normalise_url, read_options
from onwatch.db.outbox import OutboxStore
from onwatch.db.timeline import TimelineStore
from onwatch.db.timers import TimerStore
from onwatch.kernel.events import EventBus

S = TypeVar("S")


class UnitOfWork:
    """One transaction. The engine's own tables are attributes (`timers`, `outbox`, `timeline`);
    a slice's store is `uow.repo(ItsStore)`, built from the connection once per unit of work."""

    def __init__(self, conn: sa.Connection, events: EventBus[UnitOfWork]) -> None:
        self.conn = conn
        self._events = events
        self._repos: dict[Callable[[sa.Connection], object], object] = {}

    def publish(self, event: object) -> None:
        """Run the handlers of a domain event now, inside this transaction (onwatch.kernel.events)."""
        self._events.publish(self, event)

    def repo(self, store: Callable[[sa.Connection], S]) -> S:
        """The store `store(conn)` bound to this transaction (one per unit of work)."""
        found = self._repos.get(store)
        if found is None:
            found = self._repos[store] = store(self.conn)
        return cast(S, found)

    @cached_property
    def timers(self) -> TimerStore:
        return TimerStore(self.conn)

    @cached_property
    def outbox(self) -> OutboxStore:
        return OutboxStore(self.conn)

    @cached_property
    def timeline(self) -> TimelineStore:
        return TimelineStore(self.conn)


class Database:
    """A SQLAlchemy engine plus transaction scopes. `write()` commits on success and rolls back on error."""

    def __init__(self, url: str, engine: Engine | None = None, *, events: EventBus[UnitOfWork]) -> None:
        self.url = normalise_url(url)
        self.engine = engine or create_engine(self.url)
        # the reactions between slices, which onwatch.bootstrap subscribes: a database opened for
        # anything but migrations is built there
        self.events = events
        # SQLite has one writer: this process's threads queue on a lock, first come first served,
        # rather than in SQLite's polling busy handler (bench/README.md); other processes still do.
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
