"""Fixtures shared by every layer: fake clock, real databases, the demo organisation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from onwatch.bootstrap import Onwatch, build
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config_file
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.incidents.commands import IncidentCommands
from onwatch.kernel.clock import FakeClock
from onwatch.settings import Settings
from tests.databases import (
    PostgresTemplates,
    SqliteTemplates,
    postgres_required,
    postgres_unreachable_reason,
    selected_backends,
    settings_for,
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
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_templates() -> Iterator[PostgresTemplates]:
    reason = postgres_unreachable_reason()
    if reason:
        if postgres_required():
            pytest.fail(f"ONWATCH_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    templates = PostgresTemplates()
    yield templates
    templates.drop_all()


@pytest.fixture(scope="session")
def demo_config() -> OnwatchConfig:
    return load_config_file(DEMO_CONFIG)


@pytest.fixture(params=selected_backends())
def database_url(request: pytest.FixtureRequest, demo_config: OnwatchConfig) -> Iterator[str]:
    """A real database of its own for the test, SQLite and PostgreSQL: migrated, and holding the
    demo organisation when the test asks for `org` (both copied from a template made once per run)."""
    if request.param == "sqlite":
        templates: SqliteTemplates | PostgresTemplates = request.getfixturevalue("sqlite_templates")
    elif request.param == "postgresql":
        templates = request.getfixturevalue("postgres_templates")
    else:  # pragma: no cover
        raise ValueError(f"unknown test database {request.param!r}")

    def apply_demo(ow: Onwatch) -> None:
        apply_config(ow.db, demo_config, now=ow.clock.now(), applied_by="tests")

    url = templates.fresh("demo", apply_demo) if "org" in request.fixturenames else templates.fresh()
    yield url
    templates.drop(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The test app's settings; a module overrides this fixture to change one (e.g. a Slack secret)."""
    return settings_for(database_url)


@pytest.fixture
def onwatch(settings: Settings, clock: FakeClock) -> Iterator[Onwatch]:
    """onwatch built through bootstrap, as `onwatch serve` builds it, on the test's database."""
    ow = build(settings, clock)
    yield ow
    ow.db.dispose()


@pytest.fixture
def db(onwatch: Onwatch) -> Database:
    return onwatch.db


@pytest.fixture
def org(db: Database, demo_config: OnwatchConfig) -> OnwatchConfig:
    """The IllumiDesk demo organisation, applied (the test's database is a copy of the demo template)."""
    return demo_config


@pytest.fixture
def incidents(onwatch: Onwatch, org: OnwatchConfig) -> IncidentCommands:
    return onwatch.incidents


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
