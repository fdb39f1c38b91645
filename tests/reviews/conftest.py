"""Fixtures of the reviews tests: the API in process on the demo organisation, tokens per person."""

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
def anon(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    with TestClient(onwatch.api(web=False)) as client:
        yield client


@pytest.fixture
def as_(anon: TestClient, db: Database, clock: FakeClock) -> ClientFactory:
    return client_factory(anon, db, clock)
