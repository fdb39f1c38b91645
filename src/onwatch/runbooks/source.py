"""Reading a mirror's source: a git repository with the `git` command (a shallow clone of one branch,
skipped when `git ls-remote` says the branch is at the revision already mirrored), or a local folder.
Slow I/O: the engine does it before its write transaction opens (runbooks/refresh.py)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from onwatch.config.runbooks import RunbooksConfig
from onwatch.runbooks.domain import (
    ERROR_CHARS,
    MAX_FILES,
    MAX_PATH,
    MAX_TOTAL_BYTES,
    Failed,
    Page,
    ReadResult,
    Snapshot,
    Unchanged,
    digest,
    is_markdown,
    page_of,
    redacted,
)

GIT_TIMEOUT = 300.0  # seconds for one git command (a first clone of a large repository)
# never ask for a password on a terminal nobody watches, never read the user's global git config
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GCM_INTERACTIVE": "never"}


class SourceError(Exception):
    """The source cannot be read; the message says why."""


def _git(*args: str, cwd: str | None = None) -> str:
    env = {**os.environ, **_GIT_ENV}
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise SourceError("the `git` command is not installed") from None
    except subprocess.TimeoutExpired:
        raise SourceError(f"git {args[0]} took longer than {GIT_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
        said = " ".join((fatal or lines)[:2]).rstrip(".") or f"exit {done.returncode}"
        raise SourceError(redacted(f"git {args[0]} failed: {said}"))
    return done.stdout


def remote_revision(url: str, branch: str) -> str:
    """The commit the branch is at, without fetching anything else."""
    out = _git("ls-remote", "--heads", "--", url, f"refs/heads/{branch}")
    for line in out.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            return sha
    raise SourceError(f"the repository has no branch {branch!r}")


def read_tree(root: Path) -> tuple[tuple[Page, ...], tuple[str, ...]]:
    """Every Markdown file under `root` (hidden folders and symbolic links left out: a link could
    point outside the repository), within the mirror's limits."""
    pages: list[Page] = []
    skipped: list[str] = []
    total = 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            full = Path(folder) / name
            rel = full.relative_to(root).as_posix()
            if not is_markdown(rel) or full.is_symlink():
                continue
            if len(rel) > MAX_PATH:
                skipped.append(f"{rel[:80]}…: path longer than {MAX_PATH} characters")
                continue
            if len(pages) >= MAX_FILES or total > MAX_TOTAL_BYTES:
                skipped.append(
                    f"{rel}: the mirror holds at most {MAX_FILES} files, {MAX_TOTAL_BYTES >> 20} MiB"
                )
                continue
            page = page_of(rel, full.read_bytes())
            if isinstance(page, str):
                skipped.append(page)
                continue
            total += len(page.body)
            pages.append(page)
    return tuple(pages), tuple(skipped)


def read_git(url: str, branch: str) -> Snapshot:
    with tempfile.TemporaryDirectory(prefix="onwatch-runbooks-") as tmp:
        repo = str(Path(tmp) / "repo")
        _git("clone", "--quiet", "--depth", "1", "--single-branch", "--branch", branch, "--", url, repo)
        revision = _git("rev-parse", "HEAD", cwd=repo).strip()
        pages, skipped = read_tree(Path(repo))
    return Snapshot(revision, pages, skipped)


def read_folder(path: str) -> Snapshot:
    root = Path(path)
    if not root.is_dir():
        raise SourceError(f"{path} is not a readable folder")
    pages, skipped = read_tree(root)
    return Snapshot(digest(pages), pages, skipped)


def read(config: RunbooksConfig, mirrored: str | None) -> ReadResult:
    """The source's content, Unchanged when it is at the revision `mirrored`, or why it failed."""
    try:
        if config.git is not None:
            if mirrored is not None and remote_revision(config.git, config.branch) == mirrored:
                return Unchanged(mirrored)
            return read_git(config.git, config.branch)
        snapshot = read_folder(config.path or "")
        return Unchanged(mirrored) if mirrored == snapshot.revision else snapshot
    except SourceError as exc:
        return Failed(str(exc)[:ERROR_CHARS])
    except OSError as exc:  # a file vanished or turned unreadable while being read
        return Failed(f"reading the source failed: {exc}"[:ERROR_CHARS])
