"""Test databases: a fresh SQLite file per test, and a PostgreSQL database created per run.

ONWATCH_TEST_DATABASES picks the backends (default "sqlite,postgresql"). PostgreSQL tests are
skipped, with the reason, when no server is reachable, unless ONWATCH_REQUIRE_POSTGRES=1 (CI),
which turns an unreachable server into a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import sqlalchemy as sa

from onwatch.bootstrap import subscribe_reactions
from onwatch.db import migrate
from onwatch.db.connect import create_engine
from onwatch.db.tables import metadata
from onwatch.db.uow import Database

# the public URL of create_api's default, which the reactions' links use unless an app says otherwise
TEST_PUBLIC_URL = "http://127.0.0.1:8080"
PG_ADMIN_URL = os.environ.get("ONWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def wired(db: Database) -> Database:
    subscribe_reactions(db, TEST_PUBLIC_URL)
    return db


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


class SqliteTemplate:
    """Migrate once, copy the file for each test: a fresh database costs a file copy."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.db"
        engine = create_engine(f"sqlite:///{self.template}")
        migrate.upgrade(engine)
        engine.dispose()  # closing the last connection checkpoints the WAL into the file
        assert not Path(f"{self.template}-wal").exists()

    def fresh(self) -> Database:
        path = self.root / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self.template, path)
        return wired(Database(f"sqlite:///{path}"))


class PostgresRun:
    """One database per test run, dropped at the end; tables emptied before each test."""

    def __init__(self) -> None:
        self.name = f"onwatch_test_{uuid.uuid4().hex[:12]}"
        self.admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"
        self.db = wired(Database(self.url))
        migrate.upgrade(self.db.engine)

    def fresh(self) -> Database:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with self.db.engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return self.db

    def drop(self) -> None:
        self.db.dispose()
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()
