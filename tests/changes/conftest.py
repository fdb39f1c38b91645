"""Fixtures of the changes tests: the whole app (API and web UI) in process on the demo organisation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory, client_factory


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    with TestClient(onwatch.api()) as client:
        yield client


@pytest.fixture
def as_(site: TestClient, db: Database, clock: FakeClock) -> ClientFactory:
    return client_factory(site, db, clock)
