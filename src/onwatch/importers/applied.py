"""`--dry-run` against what onwatch has applied: the import's config compared with the revision in
onwatch's database, object by object (as `apply-config --dry-run` lists it) and as a YAML diff.

The importers read no database themselves (import-linter holds that line): onwatch's CLI entry
point registers in `READERS` how to read the applied revision from the database it uses."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from onwatch.config.apply import Change, diff, document_of
from onwatch.config.schema import OnwatchConfig


@dataclass(frozen=True)
class Applied:
    """What onwatch's database holds: `where` names it (no password) for the messages."""

    where: str
    revision: int | None = None  # None: nothing is applied there yet
    document: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # why nothing is applied, when there is a reason worth saying ("not migrated")


class AppliedUnreadable(Exception):
    """The database is configured but cannot be read (unreachable, refused)."""


AppliedReader = Callable[[], Applied]
READERS: list[AppliedReader] = []


def read_applied() -> Applied | None:
    """The applied revision through the registered reader; None when none is registered (the
    importers used as a library). Raises AppliedUnreadable."""
    return READERS[-1]() if READERS else None


@dataclass(frozen=True)
class AppliedDiff:
    revision: int
    changes: list[Change]
    diff: str  # unified diff of the two documents as YAML (keys sorted), "" when equal

    @property
    def unchanged(self) -> bool:
        return not self.changes and not self.diff


def _yaml(document: dict[str, Any]) -> list[str]:
    text = yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=110)
    return text.splitlines(True)


def against_applied(applied: Applied, config: OnwatchConfig, label: str) -> AppliedDiff | None:
    """What applying `config` would change in the applied revision; None when nothing is applied."""
    if applied.revision is None:
        return None
    document = document_of(config)
    text = "".join(
        difflib.unified_diff(
            _yaml(applied.document),
            _yaml(document),
            f"applied in onwatch (revision {applied.revision})",
            f"{label} (imported)",
        )
    )
    return AppliedDiff(applied.revision, diff(applied.document, document), text)
