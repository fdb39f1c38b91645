"""Fixtures of the reviews tests: the API in process on the demo organisation, tokens per person,
the web site with passwords, and `onwatch ...` in this process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory, client_factory
from tests.cli_helpers import Cli, in_process_cli
from tests.web_helpers import set_passwords


@pytest.fixture
def anon(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    with TestClient(onwatch.api(web=False)) as client:
        yield client


@pytest.fixture
def as_(anon: TestClient, db: Database, clock: FakeClock) -> ClientFactory:
    return client_factory(anon, db, clock)


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    """The API and the web UI in process; amara and lukas can sign in."""
    set_passwords(onwatch.db, onwatch.clock, "amara", "lukas")
    with TestClient(onwatch.api()) as site:
        yield site


@pytest.fixture
def cli(onwatch: Onwatch, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """`onwatch ...` in this process, on the test's database (built from the environment, as in a
    shell)."""
    with in_process_cli(database_url, monkeypatch) as cli:
        yield cli
