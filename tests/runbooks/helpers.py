"""A real git repository of runbooks made with `git init` in tmp_path, and onwatch mirroring it."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.runbooks import RunbooksConfig
from onwatch.config.schema import OnwatchConfig
from onwatch.directory.tokens import TokenRole
from onwatch.engine.worker import Worker
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import token_for
from tests.web_helpers import Browser, set_passwords

WEB_URL = "https://gitlab.example.com/ops/runbooks/-/blob/main/"

GITALY = """# Gitaly: failing over to the replica

When `GitalyDown` fires, the primary storage node stopped answering.

1. Check the node: `gitalyctl status --node primary`
2. Fail over: see [the failover steps](failover.md) and the [overview](../README.md).

| symptom | action |
|---|---|
| 5xx on pushes | fail over |
"""
FAILOVER = (
    "# Failover steps\n\nPromote the replica with `praefect promote`. Then tell #incident-management.\n"
)
README = "# IllumiDesk runbooks\n\nStart at [gitaly](gitaly/README.md).\n"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "-c",
            "user.name=Runbook Author",
            "-c",
            "user.email=ops@illumidesk.example",
            *args,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def commit(repo: Path, files: dict[str, str | None], message: str) -> str:
    """Write (or, for None, delete) the files and commit them; the new revision."""
    for name, text in files.items():
        path = repo / name
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def make_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "runbooks"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(
        repo,
        {
            "README.md": README,
            "gitaly/README.md": GITALY,
            "gitaly/failover.md": FAILOVER,
            "notes.txt": "not markdown",
        },
        "the first runbooks",
    )
    return repo


@dataclass
class Mirror:
    onwatch: Onwatch
    site: TestClient
    worker: Worker
    browser: Browser
    viewer: dict[str, str]  # an API viewer's headers

    @property
    def clock(self) -> FakeClock:
        assert isinstance(self.onwatch.clock, FakeClock)
        return self.onwatch.clock

    def refresh_in(self, minutes: float) -> None:
        """Let time pass and the engine run what came due (the refresh timer among it)."""
        self.clock.advance(timedelta(minutes=minutes))
        self.worker.run_once()


def mirrored(onwatch: Onwatch, org: OnwatchConfig, site: TestClient, runbooks: RunbooksConfig) -> Mirror:
    """The demo organisation with `runbooks` applied, the first refresh run, lukas signed in."""
    apply_config(
        onwatch.db, org.model_copy(update={"runbooks": runbooks}), now=onwatch.clock.now(), applied_by="tests"
    )
    worker = onwatch.worker(channels={})
    worker.run_once()
    set_passwords(onwatch.db, onwatch.clock, "lukas")
    browser = Browser(site)
    browser.sign_in("lukas")
    token = token_for(onwatch.db, onwatch.clock, TokenRole.VIEWER, "lukas")
    return Mirror(onwatch, site, worker, browser, {"Authorization": f"Bearer {token}"})
