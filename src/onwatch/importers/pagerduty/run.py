"""One PagerDuty import from start to finish: read, map, validate, write (or show the diff)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from onwatch.importers.output import WriteResult, read_existing, validate_and_write
from onwatch.importers.pagerduty.build import ImportResult, build_document
from onwatch.importers.pagerduty.client import DEFAULT_BASE_URL, PagerDutyClient
from onwatch.importers.pagerduty.read import read_account
from onwatch.importers.pagerduty.verify import verify as verify_shifts
from onwatch.importers.verify import Difference


@dataclass(frozen=True)
class PagerDutyImport:
    result: ImportResult
    written: WriteResult
    differences: list[Difference] | None = None  # None: not verified


def import_pagerduty(
    token: str,
    out: Path,
    *,
    now: datetime,
    base_url: str = DEFAULT_BASE_URL,
    dry_run: bool = False,
    organisation: str = "Imported from PagerDuty",
    sleep: Callable[[float], None] = time.sleep,
    verify_days: int | None = None,
) -> PagerDutyImport:
    """With `verify_days`, PagerDuty's on-call entries over that many days are compared with
    onwatch's resolution of the written config. Raises SourceError when PagerDuty cannot be read
    and ConfigError when the result (or the existing `out`) does not validate; in both cases
    nothing is written."""
    existing = read_existing(out)
    with PagerDutyClient(token, base_url=base_url, sleep=sleep) as client:
        account = read_account(client)
        result = build_document(account, existing, now=now, organisation=organisation)
        written = validate_and_write(result.document, out, dry_run=dry_run)
        if verify_days is None:
            return PagerDutyImport(result, written)
        found = verify_shifts(
            client, written.config, result.schedules, result.people, now=now, days=verify_days
        )
    return PagerDutyImport(result, written, found)
