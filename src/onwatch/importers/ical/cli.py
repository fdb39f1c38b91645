"""`onwatch import ical`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from onwatch.importers.cli_report import fail, run_and_report
from onwatch.importers.ical.run import fetch, import_ical
from onwatch.importers.output import config_path


def ical(
    schedule: Annotated[str, typer.Option("--schedule", help="name of the onwatch schedule to write")],
    zone: Annotated[
        str, typer.Option("--zone", help="the rotation's IANA time zone (handoffs keep its wall time)")
    ],
    url: Annotated[str | None, typer.Option("--url", help="the feed's URL (https:// or webcal://)")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="an .ics file")] = None,
    out: Annotated[
        Path,
        typer.Option("--out", help="config file to write (merged; its people are matched), or a directory"),
    ] = Path("onwatch.yaml"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print the diff against what onwatch has applied; write nothing")
    ] = False,
    verify: Annotated[
        bool,
        typer.Option("--verify", help="compare the feed's events with onwatch's resolution, shift by shift"),
    ] = False,
    days: Annotated[int, typer.Option("--days", min=1, max=90, help="how far ahead --verify compares")] = 28,
) -> None:
    """Read a rotation published as iCalendar (RRULE, EXDATE, RECURRENCE-ID instances) into one
    schedule: the rotation its events follow, and overrides (a script beside --out) for the events
    of the coming 90 days it does not explain. The feed's people must be in --out already."""
    if (url is None) == (file is None):
        raise fail("give the feed as --url URL or --file F (one of them)")

    def read() -> bytes:
        if url is not None:
            return fetch(url)
        assert file is not None
        try:
            return file.read_bytes()
        except OSError as exc:
            raise fail(f"cannot read {file}: {exc.strerror}") from None

    run_and_report(
        "the feed",
        lambda: import_ical(
            read,
            out,
            schedule=schedule,
            zone=zone,
            now=datetime.now(UTC),
            dry_run=dry_run,
            verify_days=days if verify else None,
        ),
        config_path(out),
        dry_run=dry_run,
        days=days,
    )
