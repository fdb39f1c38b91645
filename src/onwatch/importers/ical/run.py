"""`onwatch import ical`: a feed's occurrences -> one onwatch schedule (a rotation, plus overrides
for what the rotation does not explain in the coming 90 days), validated, written, verified."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from onwatch.config.schedules import to_schedule
from onwatch.importers.ical.feed import Occurrence, parse_feed
from onwatch.importers.ical.infer import infer_layer
from onwatch.importers.ids import slug
from onwatch.importers.output import config_path, read_existing, validate_and_write
from onwatch.importers.overrides import HORIZON, ImportedOverride, write_script
from onwatch.importers.report import InvalidOption, SourceError, Unsupported
from onwatch.importers.resolve import onwatch_spans
from onwatch.importers.result import SourceImport, SourceResult
from onwatch.importers.verify import Span, differences
from onwatch.oncall.domain.resolve import resolve

Obj = dict[str, Any]
MAX_FEED_BYTES = 20 * 1024 * 1024


def fetch(url: str, timeout: float = 30.0) -> bytes:
    """GET a feed (webcal:// is https://), refusing what is not a 2xx or is too large."""
    real = re.sub(r"^webcals?://", "https://", url)
    try:
        response = httpx.get(real, follow_redirects=True, timeout=timeout)
    except httpx.HTTPError as exc:
        raise SourceError(f"cannot reach the feed at {url}: {exc}") from None
    if response.status_code >= 400:
        raise SourceError(f"the feed at {url} answered {response.status_code}")
    if len(response.content) > MAX_FEED_BYTES:
        raise SourceError(f"the feed at {url} is larger than {MAX_FEED_BYTES} bytes")
    return response.content


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidOption(
            f"--zone {name}: unknown time zone; use an IANA name such as Europe/Berlin"
        ) from None


def match_person(who: str, people: Obj) -> str | None:
    """An attendee's email, else a person whose name or id the summary names (the longest wins)."""
    text = who.lower()
    for pid, p in people.items():
        if str(p.get("email", "")).lower() == text:
            return str(pid)
    found = [
        (len(name), str(pid))
        for pid, p in people.items()
        for name in (str(p.get("name", "")).lower(), str(pid).lower())
        if name and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
    ]
    return max(found)[1] if found else None


def _overrides(
    schedule: str, feed: Sequence[Span], shifts: Sequence[Span], now: datetime
) -> tuple[list[ImportedOverride], list[Unsupported]]:
    """Where the feed and the rotation disagree: one person in the feed is an override; nobody, or
    two at once, onwatch cannot express and is listed."""
    out: list[ImportedOverride] = []
    lost: list[Unsupported] = []
    for d in differences(schedule, feed, shifts, now, now + HORIZON):
        where = f"ical.{schedule}@{d.start.isoformat()}"
        if len(d.expected) == 1:
            out.append(
                ImportedOverride(schedule, d.start, d.end, next(iter(d.expected)), "imported from iCal")
            )
        elif not d.expected:
            lost.append(
                Unsupported(where, f"the feed has nobody until {d.end.isoformat()}: onwatch has someone")
            )
        else:
            lost.append(
                Unsupported(where, f"the feed has {len(d.expected)} people at once until {d.end.isoformat()}")
            )
    return out, lost


def import_ical(
    data: bytes | Callable[[], bytes],
    out: Path,
    *,
    schedule: str,
    zone: str,
    now: datetime,
    dry_run: bool = False,
    verify_days: int | None = None,
    organisation: str = "Imported from iCalendar",
) -> SourceImport:
    """`schedule` names the onwatch schedule (its id is the slug); the feed's people must be in
    `out` already (matched by attendee email, else by the name or id the summary holds)."""
    tz = _zone(zone)
    out = config_path(out)
    existing = read_existing(out)
    people: Obj = existing.get("people") or {}
    raw = data() if callable(data) else data
    found: list[Occurrence] = parse_feed(raw, tz, now, now + HORIZON)
    sid = slug(schedule, "ical")
    lost: list[Unsupported] = []
    matched: list[tuple[datetime, datetime, str]] = []
    for o in found:
        person = match_person(o.who, people)
        if person is None:
            lost.append(Unsupported(f"ical.{o.uid}@{o.start.isoformat()}", f"{o.who!r} is nobody in {out}"))
        else:
            matched.append((o.start, o.end, person))
    layer = infer_layer(schedule, matched, tz)
    doc: Obj = dict(existing)
    doc.setdefault("organisation", {"name": organisation})
    doc["schedules"] = dict(
        sorted(
            {
                **(existing.get("schedules") or {}),
                sid: {"name": schedule[:200], "timezone": tz.key, "layers": [layer]},
            }.items()
        )
    )
    written = validate_and_write(doc, out, dry_run=dry_run)
    feed = [Span(s, e, p) for s, e, p in matched]
    model = to_schedule(sid, written.config.schedules[sid])
    shifts = [Span(s.start, s.end, s.person) for s in resolve(model, [], now, now + HORIZON)]
    overrides, why = _overrides(sid, feed, shifts, now)
    lost += why
    changed = write_script(overrides, out, dry_run=dry_run)
    result = SourceResult(
        doc,
        sorted(set(lost)),
        {"events": len(found), "schedules": 1, "overrides": len(overrides)},
        {},
        {sid: sid},
        overrides,
    )
    diffs = None
    if verify_days is not None:
        end = now + timedelta(days=verify_days)
        clipped = [Span(max(s.start, now), min(s.end, end), s.person) for s in feed if s.start < end]
        diffs = differences(sid, clipped, onwatch_spans(written.config, sid, overrides, now, end), now, end)
    return SourceImport(result, written, changed, diffs)
