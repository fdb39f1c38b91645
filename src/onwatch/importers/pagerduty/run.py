"""One PagerDuty import from start to finish: read, map, validate, write (or show the diff)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from onwatch.importers.integrations import UrlRow, render_table, url_rows
from onwatch.importers.output import (
    WriteResult,
    beside,
    config_path,
    read_existing,
    validate_and_write,
    write_beside,
)
from onwatch.importers.overrides import write_script
from onwatch.importers.pagerduty.build import ImportResult, build_document
from onwatch.importers.pagerduty.client import DEFAULT_BASE_URL, PagerDutyClient
from onwatch.importers.pagerduty.read import read_account
from onwatch.importers.pagerduty.verify import verify as verify_shifts
from onwatch.importers.verify import Difference

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"  # onwatch's own default (ONWATCH_PUBLIC_URL)


@dataclass(frozen=True)
class PagerDutyImport:
    result: ImportResult
    written: WriteResult
    differences: list[Difference] | None = None  # None: not verified
    urls: list[UrlRow] = field(default_factory=list)
    overrides_changed: bool = False  # the overrides script beside the config (would have) changed
    # companion files written (or, in a dry run, that would be) beside the config
    companions: dict[Path, str] = field(default_factory=dict)


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
    roles: dict[str, str] | None = None,
    public_url: str = DEFAULT_PUBLIC_URL,
) -> PagerDutyImport:
    """With `verify_days`, PagerDuty's on-call entries over that many days are compared with
    onwatch's resolution of the written config. Raises SourceError when PagerDuty cannot be read
    and ConfigError when the result (or the existing `out`) does not validate; in both cases
    nothing is written. `out` may be a directory. Beside the config goes the integration URL table
    (`<name>.integrations.md`), written only once the config validates."""
    out = config_path(out)
    existing = read_existing(out)
    with PagerDutyClient(token, base_url=base_url, sleep=sleep) as client:
        account = read_account(client, now)
        result = build_document(account, existing, now=now, organisation=organisation, roles=roles)
        written = validate_and_write(result.document, out, dry_run=dry_run)
        urls = url_rows(result.integrations, written.config, public_url)
        companions = {beside(out, "integrations", ".md"): render_table(urls, "PagerDuty")} if urls else {}
        if not dry_run:
            for path, text in companions.items():
                write_beside(path, text)
        overrides_changed = write_script(result.overrides, out, dry_run=dry_run)
        found = None
        if verify_days is not None:
            found = verify_shifts(
                client,
                written.config,
                result.schedules,
                result.people,
                result.overrides,
                result.v3,
                now=now,
                days=verify_days,
            )
    return PagerDutyImport(
        result, written, found, urls=urls, companions=companions, overrides_changed=overrides_changed
    )
