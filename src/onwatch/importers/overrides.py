"""Imported overrides: onwatch keeps overrides in its database, not in the config file, so an
import writes them as `onwatch override add` commands next to the config (run after apply-config),
and `--verify` resolves the imported schedules with them."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from onwatch.oncall.domain.schedules import Override

HORIZON = timedelta(days=90)


@dataclass(frozen=True, order=True)
class ImportedOverride:
    schedule: str  # onwatch schedule id
    start: datetime
    end: datetime
    person: str  # onwatch person id
    note: str = ""

    def to_override(self) -> Override:
        return Override(self.person, self.start, self.end, note=self.note)


def coming(start: datetime, end: datetime, now: datetime) -> bool:
    """An override imported is one that still matters: it ends after now, starts within 90 days."""
    return end > now and start < now + HORIZON


def overrides_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.overrides.sh")


def _instant(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_script(overrides: Sequence[ImportedOverride]) -> str:
    lines = [
        "#!/bin/sh",
        "# written by `onwatch import`: the source's overrides for the coming 90 days;",
        "# run it after `onwatch apply-config` to add them to onwatch; running it again adds nothing",
        "# (--once leaves an override that is there and skips one that has ended since)",
        "# as someone allowed to: ONWATCH_AS=<person id> sh <this file>",
        "set -e",
    ]
    for o in sorted(overrides):
        args = ["onwatch", "override", "add", o.schedule, o.person, "--from", _instant(o.start)]
        args += ["--to", _instant(o.end)] + (["--note", o.note] if o.note else []) + ["--once"]
        lines.append(shlex.join(args))
    return "\n".join(lines) + "\n"


def write_script(overrides: Sequence[ImportedOverride], out: Path, *, dry_run: bool) -> bool:
    """Write the overrides script next to `out` (none when there are no overrides); True when its
    text changed (with `dry_run`, whether it would)."""
    path = overrides_path(out)
    text = render_script(overrides) if overrides else ""
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    if before == text:
        return False
    if not dry_run:
        if text:
            tmp = path.with_name(f".{path.name}.import-tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        else:
            path.unlink(missing_ok=True)
    return True
