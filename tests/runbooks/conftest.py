"""Fixtures of the runbooks tests: a real git repository, and onwatch (API and web UI) mirroring it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.runbooks import RunbooksConfig
from onwatch.config.schema import OnwatchConfig
from tests.runbooks.helpers import WEB_URL, Mirror, make_repo, mirrored


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    with TestClient(onwatch.api()) as client:
        yield client


@pytest.fixture
def mirror(onwatch: Onwatch, org: OnwatchConfig, site: TestClient, repo: Path) -> Mirror:
    return mirrored(onwatch, org, site, RunbooksConfig(git=str(repo), branch="main", web_urls=[WEB_URL]))
