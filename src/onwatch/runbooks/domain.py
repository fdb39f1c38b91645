"""What a mirror holds and the limits of what it takes (pure: kernel only)."""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from datetime import datetime

MARKDOWN_SUFFIXES = (".md", ".markdown")
MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 10_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_PATH = 1024
MAX_TITLE = 500
ERROR_CHARS = 2000
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Page:
    path: str  # relative to the repository root, with forward slashes: "gitaly/failover.md"
    title: str
    body: str


@dataclass(frozen=True)
class Snapshot:
    """A whole copy, read in one go: it replaces the stored one in one transaction, or not at all."""

    revision: str
    pages: tuple[Page, ...]
    skipped: tuple[str, ...] = ()  # files left out, each with why


@dataclass(frozen=True)
class Unchanged:
    """The source is at the revision already mirrored: nothing to copy."""

    revision: str


@dataclass(frozen=True)
class Failed:
    """The source could not be read: the last good copy stays."""

    error: str


ReadResult = Snapshot | Unchanged | Failed


@dataclass(frozen=True)
class MirrorState:
    source: str
    revision: str | None
    refreshed_at: datetime | None
    attempted_at: datetime | None
    error: str | None
    failures: int
    failures_total: int
    pages: int
    skipped: int = 0

    @property
    def healthy(self) -> bool:
        return self.error is None and self.refreshed_at is not None


_USERINFO = re.compile(r"://[^/@\s]+@")


def redacted(text: str) -> str:
    """A source URL or git's message about it without the user:token a URL may carry."""
    return _USERINFO.sub("://***@", text)


def is_markdown(path: str) -> bool:
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def title_of(path: str, body: str) -> str:
    """The first level-1 heading, else the file's name without its suffix."""
    found = _HEADING.search(body)
    if found:
        return found.group(1)[:MAX_TITLE]
    name = posixpath.basename(path)
    return name.rsplit(".", 1)[0][:MAX_TITLE] or path[:MAX_TITLE]


def page_of(path: str, data: bytes) -> Page | str:
    """The page of a file's bytes, or why it is left out."""
    if len(data) > MAX_FILE_BYTES:
        return f"{path}: larger than {MAX_FILE_BYTES // 1024} KiB"
    if b"\x00" in data:
        return f"{path}: holds a NUL byte (not text)"
    body = data.decode("utf-8", errors="replace")
    return Page(path, title_of(path, body), body)


def digest(pages: tuple[Page, ...]) -> str:
    """A folder's revision: the same files give the same digest."""
    h = hashlib.sha256()
    for page in sorted(pages, key=lambda p: p.path):
        h.update(page.path.encode() + b"\x00" + page.body.encode() + b"\x00")
    return h.hexdigest()[:40]


def normalise(path: str) -> str | None:
    """A requested path inside the mirror, or None when it tries to leave it."""
    cleaned = posixpath.normpath("/" + path.strip("/")).lstrip("/")
    if not cleaned or cleaned == "." or len(cleaned) > MAX_PATH:
        return None
    return cleaned


def candidates(path: str) -> list[str]:
    """Where a link may point: the file itself, then `<path>.md`, then the folder's README.md or
    index.md (repositories link folders and pages without their suffix)."""
    if is_markdown(path):
        return [path]
    return [f"{path}.md", f"{path}/README.md", f"{path}/index.md", f"{path}/readme.md"]
