"""Test databases: each test gets its own, copied from a template prepared once per run.

Two templates per backend: "empty" (migrated) and "demo" (migrated, the IllumiDesk demo applied at
the fake clock's start, through bootstrap as production applies it). A fresh SQLite database is a
file copy; a fresh PostgreSQL one is `CREATE DATABASE ... TEMPLATE ...`, dropped after the test, and
the templates are dropped at the end of the run: names are unique per run, so a leftover from an
earlier run can never make a test pass or fail.

ONWATCH_TEST_DATABASES picks the backends (default "sqlite,postgresql"). PostgreSQL tests are
skipped, with the reason, when no server is reachable, unless ONWATCH_REQUIRE_POSTGRES=1 (CI),
which turns an unreachable server into a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from onwatch.bootstrap import Onwatch, build
from onwatch.db import migrate
from onwatch.db.connect import create_engine
from onwatch.kernel.clock import FakeClock
from onwatch.settings import Settings

# the public URL every test app is built with; links onwatch sends start with it
TEST_PUBLIC_URL = "http://onwatch.test"
PG_ADMIN_URL = os.environ.get("ONWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

Prepare = Callable[[Onwatch], None]  # fills a template (e.g. applies the demo config)


TEST_WEBHOOK_SECRET = "test-webhook-key"


def settings_for(database_url: str, **changes: object) -> Settings:
    """Settings of a test app: its database, TEST_PUBLIC_URL and what the test passes; defaults for
    the rest (nothing read from the ONWATCH_* variables of whoever runs the tests)."""
    values: dict[str, object] = {
        "database_url": database_url,
        "public_url": TEST_PUBLIC_URL,
        "webhook_secret": TEST_WEBHOOK_SECRET,  # webhooks are always signed (config/signing.py)
        **changes,
    }
    return Settings.model_construct(**values)


def built(database_url: str, clock: FakeClock | None = None, **settings: object) -> Onwatch:
    """onwatch on `database_url`, built through bootstrap like production."""
    return build(settings_for(database_url, **settings), clock or FakeClock())


def rebuilt(ow: Onwatch, **settings: object) -> Onwatch:
    """onwatch built again on the same database with other settings (another process's view, e.g.
    one with an https public URL); it shares the SQLAlchemy engine, nothing else."""
    return build(ow.settings.model_copy(update=settings), ow.clock, engine=ow.db.engine)


def selected_backends() -> list[str]:
    raw = os.environ.get("ONWATCH_TEST_DATABASES", "sqlite,postgresql")
    return [b.strip() for b in raw.split(",") if b.strip()]


def postgres_required() -> bool:
    return os.environ.get("ONWATCH_REQUIRE_POSTGRES") == "1"


def postgres_unreachable_reason() -> str | None:
    engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()


def migration_named(doc_prefix: str) -> tuple[str, str]:
    """(revision, the revision before it) of the migration whose docstring starts with `doc_prefix`,
    wherever later migrations put it."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    for rev in script.walk_revisions():
        if (rev.doc or "").startswith(doc_prefix):
            assert isinstance(rev.down_revision, str)
            return rev.revision, rev.down_revision
    raise AssertionError(f"no migration described as {doc_prefix!r}")


@contextmanager
def onwatch_at_revision(backend: str, tmp_path: Path, clock: FakeClock, revision: str) -> Iterator[Onwatch]:
    """onwatch on a database of its own (SQLite file or a new PostgreSQL database, dropped after),
    migrated only up to `revision`: the schema an older release left behind."""
    if backend == "sqlite":
        ow = built(f"sqlite:///{tmp_path / 'old.db'}", clock)
        try:
            migrate.upgrade(ow.db.engine, revision)
            yield ow
        finally:
            ow.db.dispose()
        return
    reason = postgres_unreachable_reason()
    if reason:
        pytest.skip(reason)
    name = f"onwatch_migration_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    ow = built(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", clock)
    try:
        migrate.upgrade(ow.db.engine, revision)
        yield ow
    finally:
        ow.db.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class SqliteTemplates:
    """Migrate (and prepare) once per template, copy the file for each test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._templates: dict[str, Path] = {}

    def _template(self, name: str, prepare: Prepare | None) -> Path:
        if name not in self._templates:
            path = self.root / f"template-{name}.db"
            engine = create_engine(f"sqlite:///{path}")
            migrate.upgrade(engine)
            if prepare is not None:
                ow = build(settings_for(f"sqlite:///{path}"), FakeClock(), engine=engine)
                prepare(ow)
            engine.dispose()  # closing the last connection checkpoints the WAL into the file
            assert not Path(f"{path}-wal").exists()
            self._templates[name] = path
        return self._templates[name]

    def fresh(self, name: str = "empty", prepare: Prepare | None = None) -> str:
        """The URL of a new database copied from template `name` (made by `prepare` the first time)."""
        path = self.root / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self._template(name, prepare), path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)


class PostgresTemplates:
    """Template databases made once per run; each test's database is created from one and dropped."""

    def __init__(self) -> None:
        self.run = f"onwatch_test_{uuid.uuid4().hex[:12]}"
        self.admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self._templates: dict[str, str] = {}
        self._dropped: set[str] = set()
        self._created: list[str] = []

    def url(self, name: str) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def _create(self, name: str, template: str | None = None) -> None:
        with self.admin.connect() as conn:
            # WAL_LOG (PostgreSQL 15's default) copies a small template in ~35 ms; FILE_COPY
            # checkpoints first and took 0.1-1 s here
            suffix = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{suffix}')
        self._created.append(name)

    def _template(self, name: str, prepare: Prepare | None) -> str:
        if name not in self._templates:
            database = f"{self.run}_{name}"
            self._create(database)
            engine = create_engine(self.url(database))
            migrate.upgrade(engine)
            if prepare is not None:
                prepare(build(settings_for(self.url(database)), FakeClock(), engine=engine))
            engine.dispose()  # a template may have no open connection while it is copied
            self._templates[name] = database
        return self._templates[name]

    def fresh(self, name: str = "empty", prepare: Prepare | None = None) -> str:
        template = self._template(name, prepare)
        database = f"{self.run}_{uuid.uuid4().hex[:8]}"
        self._create(database, template)
        return self.url(database)

    def drop(self, url: str) -> None:
        name = sa.make_url(url).database
        assert name is not None and name.startswith(self.run)
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._dropped.add(name)

    def drop_all(self) -> None:
        for name in self._created:
            if name not in self._dropped:
                self.drop(self.url(name))
        self.admin.dispose()
