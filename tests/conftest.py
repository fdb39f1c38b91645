"""Fixtures shared by every layer: fake clock, real databases, the demo organisation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from onwatch.config.apply import apply_config
from onwatch.config.cache import ConfigCache
from onwatch.config.loader import load_config_file
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.incidents.commands import IncidentCommands
from onwatch.kernel.clock import FakeClock
from onwatch.paging.commands import SignerSource
from tests.databases import (
    TEST_PUBLIC_URL,
    PostgresRun,
    SqliteTemplate,
    postgres_required,
    postgres_unreachable_reason,
    selected_backends,
)
from tests.receivers import SmtpSink, WebhookSink

ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = ROOT / "examples" / "illumidesk.yaml"


def pytest_report_header() -> list[str]:
    lines = [f"onwatch test databases: {', '.join(selected_backends())}"]
    if "postgresql" in selected_backends():
        reason = postgres_unreachable_reason()
        if reason and not postgres_required():
            lines.append(f"SKIPPING PostgreSQL tests: {reason}")
    return lines


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_run() -> Iterator[PostgresRun]:
    reason = postgres_unreachable_reason()
    if reason:
        if postgres_required():
            pytest.fail(f"ONWATCH_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    run = PostgresRun()
    yield run
    run.drop()


@pytest.fixture(params=selected_backends())
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A real, empty, migrated database: SQLite and PostgreSQL."""
    if request.param == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        database = template.fresh()
        yield database
        database.dispose()
    elif request.param == "postgresql":
        run: PostgresRun = request.getfixturevalue("postgres_run")
        yield run.fresh()
    else:  # pragma: no cover
        raise ValueError(f"unknown test database {request.param!r}")


@pytest.fixture(scope="session")
def demo_config() -> OnwatchConfig:
    return load_config_file(DEMO_CONFIG)


@pytest.fixture
def org(db: Database, clock: FakeClock, demo_config: OnwatchConfig) -> OnwatchConfig:
    """The IllumiDesk demo organisation, applied."""
    apply_config(db, demo_config, now=clock.now(), applied_by="tests")
    return demo_config


@pytest.fixture
def incidents(db: Database, clock: FakeClock, org: OnwatchConfig) -> IncidentCommands:
    return IncidentCommands(db, clock, ConfigCache(), SignerSource(TEST_PUBLIC_URL))


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    """A real HTTP receiver on a free 127.0.0.1 port; see tests/receivers.py."""
    with WebhookSink() as sink:
        yield sink


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on a free 127.0.0.1 port that records every message; see tests/receivers.py."""
    with SmtpSink() as sink:
        yield sink
