"""Growing from one machine to many: `onwatch db copy` moves everything from the embedded SQLite
database into an empty PostgreSQL one and proves it (counts and checksums per table); `onwatch backup`
takes a consistent copy of a live SQLite database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from onwatch.db import migrate
from onwatch.db.connect import create_engine
from onwatch.db.tables import metadata
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.databases import (
    PG_ADMIN_URL,
    SqliteTemplates,
    built,
    postgres_unreachable_reason,
    selected_backends,
)
from tests.e2e.conftest import ONWATCH, ROOT
from tests.e2e.test_ingest import AM, am_body
from tests.paging_helpers import make_bench, running
from tests.receivers import SmtpSink, WebhookSink

pytestmark = pytest.mark.e2e


def run(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONWATCH_")}
    if url:
        env["ONWATCH_DATABASE_URL"] = url
    return subprocess.run([ONWATCH, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def source(
    sqlite_templates: SqliteTemplates, clock: FakeClock, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> Iterator[Database]:
    """A SQLite database in use: config, an incident with its timeline, alert groups with running
    escalations (pending timers, queued pages in the outbox), an override, a dead timer."""
    ow = built(sqlite_templates.fresh(), clock)
    with running(make_bench(ow, webhook_sink, smtp_sink)) as bench:
        assert (
            bench.api.post(AM, json=am_body([("DiskFull", "fp-1"), ("HighLatency", "fp-2")])).status_code
            == 200
        )
        nadia = bench.client("nadia")
        declared = nadia.post(
            "/api/v1/incidents", json={"title": "Git down", "severity": "S2", "services": ["git"]}
        )
        assert declared.status_code == 201, declared.text
        override = {"person": "ravi", "start": "2026-12-02T10:00:00Z", "end": "2026-12-02T12:00:00Z"}
        assert nadia.post("/api/v1/schedules/sre-8-hour/overrides", json=override).status_code == 201
        now = clock.now()  # and a dead timer (a kind no handler knows, given one attempt)
        with ow.db.write() as uow:
            uow.timers.schedule("retired_kind", now, {}, "retired:1", now)
        bench.worker.timer_attempts = 1
        bench.worker.run_timers()
    yield ow.db
    ow.db.dispose()


@pytest.fixture
def target(tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database: PostgreSQL when its tests are selected, else another SQLite file."""
    if "postgresql" in selected_backends() and postgres_unreachable_reason() is None:
        name = f"onwatch_ops_copy_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        try:
            yield _migrated(url)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    else:
        yield _migrated(f"sqlite:///{tmp_path / 'target.db'}")


def _migrated(url: str) -> str:
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }
    engine.dispose()
    return counts


def test_db_copy_moves_every_table_verifies_it_and_refuses_a_target_that_is_not_empty(
    source: Database, target: str
) -> None:
    source_url = source.engine.url.render_as_string(hide_password=False)
    copied = run("db", "copy", "--from", source_url, "--to", target)
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert "every table verified" in copied.stdout
    assert "timeline_events" in copied.stdout and " NO" not in copied.stdout
    before = _counts(source_url)
    for table in ("config_revisions", "people", "incidents", "timeline_events", "alert_groups", "alerts",
                  "escalations", "timers", "outbox", "schedule_overrides"):  # fmt: skip
        assert before[table] > 0, table  # the source really held some of each
    assert _counts(target) == before
    dead = run("timers", "dead", url=target)  # kept as dead there too, with its error
    assert dead.returncode == 1 and "retired_kind" in dead.stdout and "UnknownTimerKind" in dead.stdout

    again = run("db", "copy", "--from", source_url, "--to", target)
    assert again.returncode == 1 and "not empty" in again.stderr
    assert _counts(target) == before

    # the copy is a working onwatch: new rows get new ids past the copied ones
    declared = run(
        "declare", "After the move", "--severity", "3", "--service", "web", "--as", "amara", url=target
    )
    assert declared.returncode == 0, declared.stderr
    assert _counts(target)["incidents"] == before["incidents"] + 1


def test_backup_copies_a_live_sqlite_database_and_refuses_postgresql(
    source: Database, tmp_path: Path
) -> None:
    url = source.engine.url.render_as_string(hide_password=False)
    backup = tmp_path / "backup.db"
    done = run("backup", str(backup), url=url)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT count(*) FROM incidents").fetchone() == (1,)
    assert _counts(f"sqlite:///{backup}") == _counts(url)
    assert run("backup", str(backup), url=url).returncode == 1  # never overwrites

    refused = run("backup", str(tmp_path / "pg.db"), url="postgresql://postgres@127.0.0.1:1/none")
    assert refused.returncode == 1 and "pg_dump" in refused.stderr
