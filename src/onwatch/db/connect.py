"""Engines for SQLite (embedded default) and PostgreSQL (production), with the same write semantics.

SQLite: WAL, a busy timeout and `BEGIN IMMEDIATE` for writing transactions, so concurrent writers
queue instead of failing with "database is locked". PostgreSQL: row locks (`FOR UPDATE`) taken
by the repositories serialise commands on the same incident.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from onwatch.db.faults import drop_connections_that_turned_read_only

SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT = 5  # seconds per host, unless the URL says `connect_timeout=`
_IMMEDIATE = "onwatch_sqlite_immediate"


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` and use psycopg 3 for them; accept libpq's multi-host
    URLs (`postgresql://u@h1:5432,h2:5433/db?target_session_attrs=read-write`, a primary and its
    standby: libpq connects to the first that answers and fits `target_session_attrs`)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("postgresql"):
        return _hosts_as_query(url)
    return url


def _hosts_as_query(url: str) -> str:
    """libpq's `u@h1:p1,h2:p2/db` as SQLAlchemy's `u@/db?host=h1:p1&host=h2:p2` (SQLAlchemy's URL
    parser takes one host and port; its psycopg dialect passes repeated `host=` on to libpq)."""
    scheme, _, rest = url.partition("://")
    authority, _, tail = rest.partition("/")
    userinfo, at, hosts = authority.rpartition("@")
    if "," not in hosts:
        return url
    dbname, _, query = tail.partition("?")
    params = [f"host={host}" for host in hosts.split(",") if host]
    return f"{scheme}://{userinfo}{at}/{dbname}?{'&'.join([*params, query] if query else params)}"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    # orjson for JSON columns: labels, details and payloads are on the ingest hot path
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    if "connect_timeout" not in sa.make_url(url).query:
        # an unreachable host (a dead primary) is given up on, and the next host tried, in seconds
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", PG_CONNECT_TIMEOUT)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    engine = sa.create_engine(url, **kwargs)
    drop_connections_that_turned_read_only(engine)
    return engine


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("connect_args", {})
    kwargs["connect_args"].setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    kwargs["connect_args"].setdefault("check_same_thread", False)
    engine = sa.create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN, so we can choose IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def read_options() -> dict[str, Any]:
    """Execution options for a read-only transaction (SQLite: a deferred BEGIN)."""
    return {_IMMEDIATE: False}


def dialect_insert(conn: sa.Connection, table: sa.Table) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING on both dialects."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
