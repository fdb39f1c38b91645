"""Runbooks served by onwatch: a git repository mirrored into onwatch's database by the engine,
served at /runbooks, still readable (saying so) when the repository is gone, replaced whole by a
refresh, found by full-text search."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.runbooks import RunbooksConfig
from onwatch.config.schema import OnwatchConfig
from onwatch.db.timers import TimerStore
from onwatch.kernel.clock import FakeClock
from onwatch.runbooks.refresh import RUNBOOKS_REFRESH, RunbookRefresher
from onwatch.runbooks.store import RunbookRepository
from tests.runbooks.helpers import Mirror, commit, mirrored


def metric(mirror: Mirror, name: str) -> float:
    text = mirror.site.get("/metrics").text
    [line] = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[1])


def test_runbooks_stay_readable_when_the_repository_is_gone(mirror: Mirror, repo: Path) -> None:
    page = mirror.browser.get("/runbooks/gitaly/README.md")
    assert page.status_code == 200
    assert "<h1>Gitaly: failing over to the replica</h1>" in page.text
    assert '<a href="failover.md">the failover steps</a>' in page.text
    assert 'id="mirror-fresh"' in page.text
    assert metric(mirror, "onwatch_runbooks_mirror_ok") == 1

    shutil.rmtree(repo)  # the platform hosting the runbooks is down
    mirror.refresh_in(15)

    page = mirror.browser.get("/runbooks/gitaly/README.md")
    assert page.status_code == 200
    assert "<h1>Gitaly: failing over to the replica</h1>" in page.text
    assert 'id="mirror-stale"' in page.text
    assert (
        "The runbooks repository could not be read" in page.text and "This is the last good copy" in page.text
    )
    assert "Failover steps" in mirror.browser.get("/runbooks").text
    assert metric(mirror, "onwatch_runbooks_mirror_ok") == 0
    assert metric(mirror, "onwatch_runbooks_refresh_failures_total") == 1
    assert metric(mirror, "onwatch_runbooks_pages") == 3

    api = mirror.site.get("/api/v1/runbooks", headers=mirror.viewer).json()
    assert api["mirror"]["error"].startswith("git ls-remote failed") and api["mirror"]["pages"] == 3
    assert [r["path"] for r in api["runbooks"]] == ["README.md", "gitaly/README.md", "gitaly/failover.md"]

    mirror.refresh_in(15)  # the engine keeps trying, on the same chain
    assert metric(mirror, "onwatch_runbooks_refresh_failures_total") == 2
    assert "2 attempts in a row" in mirror.browser.get("/runbooks").text


def test_a_new_commit_replaces_the_whole_copy_at_the_next_refresh(mirror: Mirror, repo: Path) -> None:
    revision = commit(
        repo,
        {
            "gitaly/failover.md": None,
            "gitaly/README.md": "# Gitaly\n\nNow run `praefect failover`.\n",
            "redis.md": "# Redis\n",
        },
        "rewrite the gitaly runbook",
    )
    mirror.refresh_in(14)  # not due yet: the copy of the first commit stays
    assert mirror.browser.get("/runbooks/gitaly/failover.md").status_code == 200
    mirror.refresh_in(1)
    with mirror.onwatch.db.read() as uow:
        repo_ = uow.repo(RunbookRepository)
        assert [e.path for e in repo_.index()] == ["README.md", "gitaly/README.md", "redis.md"]
        state = repo_.mirror()
    assert state is not None and state.revision == revision and state.error is None
    assert mirror.browser.get("/runbooks/gitaly/failover.md").status_code == 404
    assert "praefect failover" in mirror.browser.get("/runbooks/gitaly/README.md").text


def test_a_branch_that_does_not_exist_keeps_nothing_and_says_why(
    onwatch: Onwatch, org: OnwatchConfig, site: TestClient, repo: Path
) -> None:
    mirror = mirrored(onwatch, org, site, RunbooksConfig(git=str(repo), branch="production"))
    index = mirror.browser.get("/runbooks").text
    assert 'id="mirror-stale"' in index and "production" in index and "No copy has been read yet" in index


def test_a_runbook_is_linkable_by_its_path_with_or_without_its_suffix(mirror: Mirror) -> None:
    folder = mirror.browser.get("/runbooks/gitaly", follow_redirects=False)
    assert (folder.status_code, folder.headers["location"]) == (307, "/runbooks/gitaly/README.md")
    bare = mirror.browser.get("/runbooks/gitaly/failover", follow_redirects=False)
    assert bare.headers["location"] == "/runbooks/gitaly/failover.md"
    assert mirror.browser.get("/runbooks/../../etc/passwd").status_code == 404
    assert mirror.browser.get("/runbooks/notes.txt").status_code == 404  # only Markdown is mirrored


def test_runbooks_are_found_by_full_text_search(mirror: Mirror) -> None:
    found = mirror.browser.get("/runbooks", params={"q": "praefect replica"}).text
    assert '<a href="/runbooks/gitaly/failover.md">Failover steps</a>' in found
    assert "gitaly/README.md" not in found.split('id="search-results"')[1]  # it has "replica", not "praefect"
    both = mirror.browser.get("/runbooks", params={"q": "gitaly"}).text.split('id="search-results"')[1]
    assert "gitaly/README.md" in both and "README.md" in both
    nothing = mirror.browser.get("/runbooks", params={"q": "kubernetes"}).text
    assert "0 runbooks with" in nothing


def test_runbooks_need_a_signed_in_person(mirror: Mirror) -> None:
    anonymous = mirror.site.get("/runbooks/gitaly/README.md", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]


def test_a_folder_of_markdown_is_mirrored_too(
    onwatch: Onwatch, org: OnwatchConfig, site: TestClient, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    (folder / "db").mkdir(parents=True)
    (folder / "db" / "postgres.md").write_text("# PostgreSQL failover\n\nPromote the standby.\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "hidden.md").write_text("# not a runbook\n")
    (folder / "link.md").symlink_to("/etc/hostname")  # a symbolic link could read outside the folder
    # long enough that PostgreSQL's tsvector (at most 1 MiB) would refuse all of it
    (folder / "db" / "queries.md").write_text(
        "# Slow queries\n\n" + " ".join(f"q{i}x" for i in range(100_000))
    )
    (folder / "huge.md").write_text("# Too big\n" + "x" * (1024 * 1024))
    mirror = mirrored(onwatch, org, site, RunbooksConfig(path=str(folder)))
    index = mirror.browser.get("/runbooks").text
    assert "PostgreSQL failover" in index and "not a runbook" not in index and "link.md" not in index
    assert "Slow queries" in index and "Too big" not in index  # a file over 1 MiB is left out
    with onwatch.db.read() as uow:
        state = uow.repo(RunbookRepository).mirror()
    assert state is not None and (state.pages, state.skipped) == (2, 1)
    assert "Slow queries" in mirror.browser.get("/runbooks", params={"q": "q12x"}).text


def test_a_refresh_claimed_before_its_source_was_read_reads_it_first_outside_the_transaction(
    onwatch: Onwatch, org: OnwatchConfig, repo: Path
) -> None:
    clock = onwatch.clock
    mirror_config = RunbooksConfig(git=str(repo), branch="main")
    apply_config(
        onwatch.db, org.model_copy(update={"runbooks": mirror_config}), now=clock.now(), applied_by="tests"
    )
    refresher = RunbookRefresher(onwatch.cache)  # an engine whose `prepare` did not run (no git read yet)
    with onwatch.db.write() as uow:
        timers = TimerStore(uow.conn)
        [due] = [t for t in timers.due_timers(clock.now(), 100) if t.kind == RUNBOOKS_REFRESH]
        refresher.handle(uow, due, clock.now())
        timers.delete_timers([due.id])
    with onwatch.db.read() as uow:
        repo_ = uow.repo(RunbookRepository)
        assert repo_.mirror() is None  # nothing read inside the write transaction
        assert repo_.pending_refresh(RUNBOOKS_REFRESH) == clock.now() + timedelta(seconds=1)
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(seconds=1))
    onwatch.worker(channels={}).run_once()  # its `prepare` reads the repository, then the timer runs
    with onwatch.db.read() as uow:
        assert [e.path for e in uow.repo(RunbookRepository).index()] == [
            "README.md",
            "gitaly/README.md",
            "gitaly/failover.md",
        ]
