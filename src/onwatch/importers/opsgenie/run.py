"""One Opsgenie import from start to finish: read, map, validate, write (or show the diff), verify."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from onwatch.importers.companions import DEFAULT_PUBLIC_URL, url_table
from onwatch.importers.opsgenie.build import build_document
from onwatch.importers.opsgenie.client import US_BASE_URL, OpsgenieClient
from onwatch.importers.opsgenie.read import read_account
from onwatch.importers.opsgenie.verify import verify as verify_shifts
from onwatch.importers.output import config_path, read_existing, validate_and_write
from onwatch.importers.overrides import write_script
from onwatch.importers.result import SourceImport


def import_opsgenie(
    api_key: str,
    out: Path,
    *,
    now: datetime,
    base_url: str = US_BASE_URL,
    dry_run: bool = False,
    organisation: str = "Imported from Opsgenie",
    sleep: Callable[[float], None] = time.sleep,
    verify_days: int | None = None,
    roles: dict[str, str] | None = None,
    public_url: str = DEFAULT_PUBLIC_URL,
) -> SourceImport:
    """With `verify_days`, Opsgenie's final timelines over that many days are compared with
    onwatch's resolution of the written config and overrides. Raises SourceError when Opsgenie
    cannot be read and ConfigError when the result (or the existing `out`) does not validate; in
    both cases nothing is written. `out` may be a directory; beside the config go the overrides
    script and the integration URL table."""
    out = config_path(out)
    existing = read_existing(out)
    with OpsgenieClient(api_key, base_url=base_url, sleep=sleep) as client:
        account = read_account(client)
        result = build_document(
            account, existing, now=now, organisation=organisation, base_url=base_url, roles=roles
        )
        written = validate_and_write(result.document, out, dry_run=dry_run)
        urls, companions = url_table(
            result.integrations, written.config, out, "Opsgenie", public_url, dry_run=dry_run
        )
        changed = write_script(result.overrides, out, dry_run=dry_run)
        if verify_days is None:
            return SourceImport(result, written, changed, urls=urls, companions=companions)
        found = verify_shifts(
            client,
            written.config,
            result.schedules,
            result.people,
            result.overrides,
            now=now,
            days=verify_days,
        )
    return SourceImport(result, written, changed, found, urls=urls, companions=companions)
