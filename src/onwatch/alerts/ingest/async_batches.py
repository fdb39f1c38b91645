"""Batched writes from the server's event loop (PostgreSQL), shared by the ingest lanes.

Requests queue an item and wait for its future; while a statement is in flight, the requests that
arrive wait together and go in the next one (or, when they carry many alerts, in a statement of
their own on another connection: see PARALLEL_FROM_ALERTS). Each statement runs on an asyncio
psycopg connection in autocommit, from the loop that answers the requests: no hand-over to a thread
per batch (two thread wake-ups, the GIL passed back and forth).

Subclasses say how a batch is written (`_write`). The batcher runs only between the app's startup
and shutdown (the ASGI lifespan), on the loop that started it (`running`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, Protocol, TypeVar

import psycopg

from onwatch.db.uow import Database

# A statement joins the one in flight when the requests waiting carry this many alerts: large batches
# keep PostgreSQL busy while Python answers the last one and prepares the next (1.3-1.5x the alerts/s
# at 100 alerts/request); small ones are better waiting for the statement in flight, since each
# statement costs ~0.3 ms of PostgreSQL CPU whatever its size (1 alert/request slowed by a second).
PARALLEL_FROM_ALERTS = 50
MAX_STATEMENTS = 3


class Waiting(Protocol):
    @property
    def future(self) -> asyncio.Future[Any]: ...


W = TypeVar("W", bound=Waiting)
T = TypeVar("T")


class AsyncBatches(Generic[W]):
    def __init__(
        self, db: Database, statements: int = MAX_STATEMENTS, parallel_from: int = PARALLEL_FROM_ALERTS
    ) -> None:
        self.db = db
        self.statements = statements  # at most this many in flight, each on its own connection
        self.parallel_from = parallel_from
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[psycopg.AsyncConnection[Any]] = []  # connections no statement is using
        self._pending: list[W] = []
        self._pending_alerts = 0
        self._flushing = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.committed = 0  # batches committed
        self.most_in_flight = 0  # the most statements in flight at once

    async def start(self) -> None:
        """From the app's startup: this loop is the one that serves requests until `stop`."""
        if self.db.dialect == "postgresql":
            self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        """Closes the idle connections; those of statements still in flight close when they end."""
        self._loop = None
        idle, self._idle = self._idle, []
        for conn in idle:
            await _close(conn)

    def running(self) -> bool:
        """Whether requests on the current loop can be batched here."""
        return self._loop is not None and asyncio.get_running_loop() is self._loop

    async def _enqueue(self, waiting: W, alerts: int) -> Any:
        """Queue `waiting` (carrying `alerts` alerts) and wait for its future."""
        self._pending.append(waiting)
        self._pending_alerts += alerts
        if not self._flushing or (
            self._flushing < self.statements and self._pending_alerts >= self.parallel_from
        ):
            self._flushing += 1
            self.most_in_flight = max(self.most_in_flight, self._flushing)
            self._spawn(self._flush())
        return await waiting.future

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)  # the loop keeps only a weak reference to its tasks
        task.add_done_callback(self._tasks.discard)

    async def _flush(self) -> None:
        conn: psycopg.AsyncConnection[Any] | None = None
        try:
            while self._pending:
                batch, self._pending, self._pending_alerts = self._pending, [], 0
                conn = await self._write(batch, conn)
        finally:
            self._flushing -= 1
            if conn is not None:
                self._release(conn)

    async def _write(
        self, batch: list[W], conn: psycopg.AsyncConnection[Any] | None
    ) -> psycopg.AsyncConnection[Any] | None:
        """Commit the batch and settle its futures; return the connection to use next (None: a new
        one). Every future must be settled, whatever happens."""
        raise NotImplementedError

    def _release(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """A connection taken with `_connection` given back (closed if the batcher stopped meanwhile)."""
        if self._loop is None:
            self._spawn(_close(conn))
        else:
            self._idle.append(conn)

    async def _ask(self, question: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
        """One query outside the batches, on an idle (or new) connection; closed if it fails."""
        conn = None
        try:
            conn = await self._connection()
            answer = await question(conn)
        except BaseException:
            await discard(conn)
            raise
        self._release(conn)
        return answer

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
        engine = self.db.engine
        # connected exactly as SQLAlchemy connects (same URL, same options), autocommit: the
        # statement commits itself
        args, options = engine.dialect.create_connect_args(engine.url)
        return await psycopg.AsyncConnection.connect(*args, **{**options, "autocommit": True})


async def _close(conn: psycopg.AsyncConnection[Any]) -> None:
    with contextlib.suppress(psycopg.Error):
        await conn.close()


async def discard(conn: psycopg.AsyncConnection[Any] | None) -> None:
    """Close a connection a statement failed on (it may be broken)."""
    if conn is not None:
        await _close(conn)
