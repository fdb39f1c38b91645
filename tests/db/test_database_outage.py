"""A database outage (a restart, a failover) fails only the requests that meet it: 503 problem+json
with Retry-After, never a 500; and a connection to a host that turned read-only (a former primary,
now a standby) is dropped, so the next request connects to whichever host is the primary."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from onwatch.db import migrate
from onwatch.db.connect import create_engine
from onwatch.db.faults import unavailable
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from tests import pg_cluster
from tests.api_helpers import token_for
from tests.databases import built


@pytest.fixture
def cluster() -> Iterator[pg_cluster.PrivateCluster]:
    with pg_cluster.running() as private:
        yield private


def test_api_requests_during_a_database_outage_get_503_with_retry_after_then_work_again(
    cluster: pg_cluster.PrivateCluster, clock: FakeClock
) -> None:
    ow = built(cluster.url, clock)
    try:
        migrate.upgrade(ow.db.engine)
        token = token_for(ow.db, clock, TokenRole.VIEWER, None)
        with TestClient(ow.api(), headers={"Authorization": f"Bearer {token}"}) as api:
            assert api.get("/api/v1/incidents").status_code == 200
            cluster.stop()
            down = api.get("/api/v1/incidents")
            assert down.status_code == 503, down.text
            assert down.headers["retry-after"] == "5"
            assert down.headers["content-type"] == "application/problem+json"
            assert down.json()["title"] == "Database unavailable"
            cluster.start()
            assert api.get("/api/v1/incidents").status_code == 200  # the pool reconnects
    finally:
        ow.db.dispose()


def test_a_write_refused_as_read_only_drops_the_connection_and_the_next_one_can_write(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("a host turning read-only under onwatch is PostgreSQL's failover")
    engine = create_engine(db.engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    write = sa.text("UPDATE timers SET attempts = attempts WHERE false")
    try:
        with engine.connect() as conn:
            # what a former primary, now a standby, answers every write with (25006)
            conn.exec_driver_sql("SET SESSION default_transaction_read_only = on")
            conn.commit()
            with pytest.raises(sa.exc.DBAPIError) as refused:
                conn.execute(write)
        assert refused.value.connection_invalidated and unavailable(refused.value)
        with engine.begin() as conn:  # the pool's one connection is a new one: it writes
            assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar_one() == "off"
            conn.execute(write)
    finally:
        engine.dispose()
