"""When the database, not the request, is at fault: unreachable, restarting, shutting sessions down,
or read-only because a failover made the host a standby. Such a request is answered 503 with
Retry-After (nothing was stored; try again), and a connection to a host that turned read-only is
dropped so the next one finds the new primary (libpq's `target_session_attrs=read-write`)."""

from __future__ import annotations

from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import errors as pg_errors
from sqlalchemy import event

RETRY_AFTER_SECONDS = 5


def unavailable(exc: BaseException) -> bool:
    """The database cannot serve now (raw psycopg errors are not SQLAlchemy's: both are asked)."""
    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    return isinstance(
        exc,
        sa.exc.OperationalError
        | sa.exc.InterfaceError
        | sa.exc.TimeoutError  # the connection pool had no connection to give in time
        | psycopg.OperationalError  # includes AdminShutdown, CannotConnectNow
        | psycopg.InterfaceError
        | pg_errors.ReadOnlySqlTransaction,
    )


def drop_connections_that_turned_read_only(engine: sa.Engine) -> None:
    """A write refused because the server is now a standby (25006 after a failover) counts as a
    disconnect: SQLAlchemy invalidates the pool, so the next checkout connects to the new primary."""

    @event.listens_for(engine, "handle_error")
    def _read_only(context: Any) -> None:
        if isinstance(context.original_exception, pg_errors.ReadOnlySqlTransaction):
            context.is_disconnect = True
