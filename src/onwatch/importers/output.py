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


def config_path(out: Path) -> Path:
    """--out names the config file, or a directory to write `onwatch.yaml` (and its companions) in."""
    return out / "onwatch.yaml" if out.is_dir() else out


def beside(path: Path, what: str, suffix: str) -> Path:
    """A companion file of the config: onwatch.yaml -> onwatch.integrations.md."""
    return path.with_name(f"{path.stem}.{what}{suffix}")


def write_beside(path: Path, text: str) -> bool:
    """Replace a companion file atomically; False when it already holds `text`."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    tmp = path.with_name(f".{path.name}.import-tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError([ConfigIssue("", f"cannot write {path}: {exc.strerror}")]) from None
    finally:
        tmp.unlink(missing_ok=True)
    return True


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
