"""What one import produced, whatever the source: the document, the losses, the overrides, the
integration URL table, and (with --verify) the differences."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onwatch.importers.integrations import OldIntegration, UrlRow
from onwatch.importers.output import WriteResult
from onwatch.importers.overrides import ImportedOverride
from onwatch.importers.report import Unsupported
from onwatch.importers.verify import Difference


@dataclass(frozen=True)
class SourceResult:
    document: dict[str, Any]
    unsupported: list[Unsupported]
    counts: dict[str, int]
    people: dict[str, str]  # source id -> onwatch id, of the people imported
    schedules: dict[str, str]  # source id -> onwatch id, of the schedules imported
    overrides: list[ImportedOverride] = field(default_factory=list)
    integrations: list[OldIntegration] = field(default_factory=list)  # for the URL table


@dataclass(frozen=True)
class SourceImport:
    result: SourceResult
    written: WriteResult
    overrides_changed: bool = False
    differences: list[Difference] | None = None  # None: not verified
    urls: list[UrlRow] = field(default_factory=list)
    # companion files written (or, in a dry run, that would be) beside the config
    companions: dict[Path, str] = field(default_factory=dict)
