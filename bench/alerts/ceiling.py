"""The ingest bench's second baseline: the least any Python server that commits before answering does.

A plain ASGI app on uvicorn (uvloop and httptools, as `onwatch serve` runs) that reads each POST's
body and answers 202 once the body is committed to PostgreSQL, and does nothing else: no parsing, no
validation, no key lookup, no grouping, no metrics. Bodies that arrive while a commit is in flight
go together in the next one (one INSERT of all of them, one round trip on one psycopg asyncio
connection in autocommit), as onwatch's fast lane batches. So its rate is the ceiling of a durable
Python ingest on this machine: onwatch's rate over it says what onwatch's own work costs, and its rate
over Alertmanager's (which keeps alerts in memory and commits nothing) says what is left for any
Python server once durability is paid for.

Two drivers: psycopg (onwatch's) and asyncpg (the fastest asyncio PostgreSQL driver for Python; a
dev dependency, for this bench only), so the ceiling is not just one driver's.

Run: python -m bench.alerts.ceiling PORT DATABASE_URL [psycopg|asyncpg]
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import psycopg
import sqlalchemy as sa
import uvicorn

TABLE = "ceiling_bodies"
CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, body bytea NOT NULL)"
INSERT = {
    "psycopg": f"INSERT INTO {TABLE} (body) SELECT unnest(CAST(%b AS bytea[]))",  # bodies in binary
    "asyncpg": f"INSERT INTO {TABLE} (body) SELECT unnest(CAST($1 AS bytea[]))",
}
DRIVERS = tuple(INSERT)
ACCEPTED = b'{"status":"accepted"}'


class DurableAppend:
    """The ASGI app: every POST body appended, answered once committed."""

    def __init__(self, database_url: str, driver: str) -> None:
        self.database_url = database_url
        self.driver = driver
        self.conn: Any = None  # a psycopg.AsyncConnection (autocommit) or an asyncpg.Connection
        self.pending: list[tuple[bytes, asyncio.Future[None]]] = []
        self.flushing = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        if scope["method"] == "POST":
            await self.commit(b"".join(chunks))
            status, body = 202, ACCEPTED
        else:  # readiness
            status, body = 200, b"{}"
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.connect()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.conn is not None:
                    await self.conn.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def connect(self) -> None:
        if self.driver == "asyncpg":
            import asyncpg  # bench-only

            self.conn = await asyncpg.connect(self.database_url)
        else:
            self.conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
        await self.conn.execute(CREATE)

    async def insert(self, bodies: list[bytes]) -> None:
        """One statement, committed (both connections are in autocommit); prepared once."""
        if self.driver == "asyncpg":
            await self.conn.execute(INSERT["asyncpg"], bodies)  # asyncpg prepares and caches it
        else:
            await self.conn.execute(INSERT["psycopg"], (bodies,), prepare=True)

    async def commit(self, body: bytes) -> None:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((body, future))
        if not self.flushing:
            self.flushing = True
            asyncio.get_running_loop().create_task(self.flush())
        await future

    async def flush(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                try:
                    await self.insert([body for body, _ in batch])
                except Exception as exc:  # every waiting request answered (500), none left hanging
                    for _, future in batch:
                        future.set_exception(exc)
                    continue
                for _, future in batch:
                    future.set_result(None)
        finally:
            self.flushing = False


def main() -> None:
    # the drivers take libpq's form of the bench's SQLAlchemy URL (postgresql+psycopg://...)
    url = sa.make_url(sys.argv[2]).set(drivername="postgresql")
    port, database_url = int(sys.argv[1]), url.render_as_string(hide_password=False)
    driver = sys.argv[3] if len(sys.argv) > 3 else "psycopg"
    if driver not in DRIVERS:
        sys.exit(f"driver: one of {', '.join(DRIVERS)}, not {driver!r}")
    app = DurableAppend(database_url, driver)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
