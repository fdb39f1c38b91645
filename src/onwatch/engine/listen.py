"""PostgreSQL LISTEN/NOTIFY: wake idle workers the moment work is queued by any process.

Commits that queue deliveries send `NOTIFY onwatch_work` (store.engine.wake_workers, in the same
transaction, so it arrives only if they commit). Each worker listens on its own connection and
otherwise polls, so a lost notification only costs the poll interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg
import sqlalchemy as sa

from onwatch.db.outbox import WAKE_CHANNEL

log = logging.getLogger(__name__)

CHANNEL = WAKE_CHANNEL


def listen_forever(connect: dict[str, Any], wake: Callable[[], None], stop: threading.Event) -> None:
    """Call `wake` on every notification until `stop` is set; reconnect after failures."""
    while not stop.is_set():
        try:
            with psycopg.connect(**connect, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                wake()  # anything queued while we were not listening
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        wake()
        except psycopg.Error as exc:
            log.warning("LISTEN connection lost (%s); retrying", exc)
            stop.wait(1.0)


def start_listener(
    engine: sa.Engine, wake: Callable[[], None], stop: threading.Event
) -> threading.Thread | None:
    """A daemon thread listening for work on PostgreSQL; None on SQLite (one process, woken directly)."""
    if engine.dialect.name != "postgresql":
        return None
    # connected as SQLAlchemy connects (every host of a multi-host URL, the same options)
    args, options = engine.dialect.create_connect_args(engine.url)
    connect = {**options, **({"conninfo": args[0]} if args else {})}
    connect.pop("context", None)  # SQLAlchemy's type adapters: the listener reads no rows
    thread = threading.Thread(
        target=listen_forever, args=(connect, wake, stop), name="onwatch-listen", daemon=True
    )
    thread.start()
    return thread
