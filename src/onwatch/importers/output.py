"""Render an imported document as YAML, validate it as `apply-config` would, and write it only if valid."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from onwatch.config.loader import ConfigError, ConfigIssue, load_config_file, parse_yaml
from onwatch.config.schema import OnwatchConfig

HEADER = "# written by `onwatch import`; check it with `onwatch apply-config --dry-run FILE`\n"


@dataclass(frozen=True)
class WriteResult:
    changed: bool
    diff: str
    config: OnwatchConfig


def read_existing(path: Path) -> dict[str, Any]:
    """The current document at `path` (validated as a config), or {} when there is none yet."""
    if not path.exists():
        return {}
    load_config_file(path)  # an invalid starting point is refused before anything is read
    return parse_yaml(path.read_text(encoding="utf-8"))


def render(document: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)


def validate_and_write(document: dict[str, Any], path: Path, *, dry_run: bool) -> WriteResult:
    """Validate with the loader `apply-config` uses (via a temporary file next to `path`), then
    replace `path` atomically; with `dry_run`, or when it is invalid, nothing is written."""
    text = render(document)
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    tmp = path.with_name(f".{path.name}.import-tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        config = load_config_file(tmp)
        if before == text:
            return WriteResult(False, "", config)
        diff = "".join(
            difflib.unified_diff(
                before.splitlines(True), text.splitlines(True), str(path), f"{path} (imported)"
            )
        )
        if not dry_run:
            os.replace(tmp, path)
        return WriteResult(True, diff, config)
    except OSError as exc:
        raise ConfigError([ConfigIssue("", f"cannot write {path}: {exc.strerror}")]) from None
    finally:
        tmp.unlink(missing_ok=True)
