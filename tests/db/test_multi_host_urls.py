"""libpq multi-host URLs (a primary and its standby, `target_session_attrs=read-write`): settings and
every `onwatch` command take them, and onwatch connects to the host that answers as a primary."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from onwatch.db.connect import normalise_url
from onwatch.db.uow import Database
from onwatch.engine.listen import start_listener
from tests.databases import built

ONWATCH = str(Path(sys.executable).with_name("onwatch"))


def test_a_libpq_multi_host_url_becomes_one_host_parameter_per_host() -> None:
    url = normalise_url("postgresql://onwatch:pw@db1:5432,db2:5433/onwatch?target_session_attrs=read-write")
    parsed = sa.make_url(url)
    assert parsed.drivername == "postgresql+psycopg" and parsed.database == "onwatch"
    assert parsed.query == {"host": ("db1:5432", "db2:5433"), "target_session_attrs": "read-write"}
    assert parsed.username == "onwatch" and parsed.password == "pw"
    assert normalise_url("postgres://db1:5432/onwatch") == "postgresql+psycopg://db1:5432/onwatch"


def _multi_host(db: Database) -> str:
    """The test database behind a first host that is down (nothing listens on its port)."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
    url = db.engine.url
    return (
        f"postgresql://{url.username}@127.0.0.1:{dead},{url.host}:{url.port or 5432}/{url.database}"
        "?target_session_attrs=read-write"
    )


def test_onwatch_skips_a_host_that_is_down_and_uses_the_primary(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("multi-host URLs are PostgreSQL's")
    multi = built(_multi_host(db)).db  # built through bootstrap, as `onwatch serve` builds it
    woken = threading.Event()
    stop = threading.Event()
    try:
        with multi.read() as uow:
            assert uow.conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar_one() is False
        start_listener(multi.engine, woken.set, stop)  # the engine's LISTEN connection too
        assert woken.wait(10)  # it wakes once when it starts listening
    finally:
        stop.set()
        multi.dispose()


def test_onwatch_commands_take_a_multi_host_url_from_the_environment(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("multi-host URLs are PostgreSQL's")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONWATCH_")}
    env["ONWATCH_DATABASE_URL"] = _multi_host(db)
    done = subprocess.run([ONWATCH, "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "(postgresql)" in done.stdout
