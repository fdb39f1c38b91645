"""Diff a configuration against what is applied, and apply it in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from onwatch.config.events import ConfigApplied
from onwatch.config.schema import ENTITY_SECTIONS, OnwatchConfig
from onwatch.config.store import ConfigRepository
from onwatch.db.uow import Database

SETTING_SECTIONS = (
    "organisation", "roles", "severities", "process", "slo", "status_page", "reviews", "follow_ups",
    "handoff_reports", "runbooks", "version",
)  # fmt: skip


@dataclass(frozen=True)
class Change:
    op: str  # "+", "-", "~"
    section: str
    key: str
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.op} {self.section}.{self.key}" if self.key else f"{self.op} {self.section}"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass
class ApplyResult:
    changes: list[Change] = field(default_factory=list)
    revision: int | None = None
    applied: bool = False

    @property
    def unchanged(self) -> bool:
        return not self.changes


def document_of(config: OnwatchConfig) -> dict[str, Any]:
    return config.model_dump(mode="json", by_alias=True)


def checksum(document: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _leaf_diff(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted paths whose values differ, with old -> new for scalars."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in old:
                out.append(f"{path} added")
            elif key not in new:
                out.append(f"{path} removed")
            else:
                out += _leaf_diff(old[key], new[key], path)
        return out
    if old == new:
        return []
    if isinstance(old, list | dict) or isinstance(new, list | dict):
        return [f"{prefix} changed"]
    return [f"{prefix} {old!r} -> {new!r}"]


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    old = old or {}
    changes: list[Change] = []
    for section in ENTITY_SECTIONS:
        before: dict[str, Any] = old.get(section) or {}
        after: dict[str, Any] = new.get(section) or {}
        for key in sorted(set(before) | set(after)):
            if key not in before:
                changes.append(Change("+", section, key, after[key].get("name", "")))
            elif key not in after:
                changes.append(Change("-", section, key, "deactivated"))
            elif before[key] != after[key]:
                changes.append(Change("~", section, key, "; ".join(_leaf_diff(before[key], after[key]))))
    for section in SETTING_SECTIONS:
        if old.get(section) != new.get(section):
            detail = "; ".join(_leaf_diff(old.get(section), new.get(section))) if section in old else ""
            changes.append(Change("~" if section in old else "+", section, "", detail))
    return changes


def apply_config(
    db: Database, config: OnwatchConfig, *, now: datetime, applied_by: str, dry_run: bool = False
) -> ApplyResult:
    """Apply atomically: the entity tables and the new revision commit together, or nothing does.

    A dry run computes the same diff and writes nothing.
    """
    document = document_of(config)
    with db.write() as uow:
        current = uow.repo(ConfigRepository).current()
        changes = diff(current[1] if current else None, document)
        result = ApplyResult(changes=changes)
        if not dry_run:
            uow.publish(ConfigApplied(config, now))  # e.g. SLO evaluation starts if the config has SLOs
        if dry_run or not changes:
            return result
        uow.repo(ConfigRepository).sync_people(document["people"])
        uow.repo(ConfigRepository).sync_teams(document["teams"])
        uow.repo(ConfigRepository).sync_services(document["services"])
        uow.repo(ConfigRepository).sync_channels(document["channels"])
        uow.repo(ConfigRepository).sync_integrations(document["integrations"], document["heartbeats"])
        result.revision = uow.repo(ConfigRepository).record_revision(
            document, checksum(document), applied_by, now
        )
        result.applied = True
        return result
