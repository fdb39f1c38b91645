"""The integration URL table beside the imported config (`onwatch.integrations.md`), written only
once the config validates (and not in a dry run)."""

from __future__ import annotations

from pathlib import Path

from onwatch.config.schema import OnwatchConfig
from onwatch.importers.integrations import OldIntegration, UrlRow, render_table, url_rows
from onwatch.importers.output import beside, write_beside

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"  # onwatch's own default (ONWATCH_PUBLIC_URL)


def url_table(
    old: list[OldIntegration], config: OnwatchConfig, out: Path, tool: str, public_url: str, *, dry_run: bool
) -> tuple[list[UrlRow], dict[Path, str]]:
    """The table's rows and the companion file (path -> text) it goes to."""
    urls = url_rows(old, config, public_url)
    companions = {beside(out, "integrations", ".md"): render_table(urls, tool)} if urls else {}
    if not dry_run:
        for path, text in companions.items():
            write_beside(path, text)
    return urls, companions
