"""`--verify`: ask Opsgenie for each imported schedule's final timeline (who is on call, period by
period, overrides included) and compare it shift by shift with onwatch's resolution."""

from __future__ import annotations

from datetime import datetime, timedelta

from onwatch.config.schema import OnwatchConfig
from onwatch.importers.opsgenie.client import OpsgenieClient
from onwatch.importers.opsgenie.mapping import parse_time
from onwatch.importers.overrides import ImportedOverride
from onwatch.importers.report import SourceError
from onwatch.importers.resolve import onwatch_spans
from onwatch.importers.verify import Difference, Span, differences


def source_spans(client: OpsgenieClient, schedule_id: str, start: datetime, days: int) -> list[Span]:
    """The recipients of every rotation's final timeline, clipped to [start, start + days)."""
    end = start + timedelta(days=days)
    timeline = client.one(
        f"/v2/schedules/{schedule_id}/timeline",
        {"date": start.isoformat(), "interval": days, "intervalUnit": "days"},
    )
    spans: set[Span] = set()
    for rotation in (timeline.get("finalTimeline") or {}).get("rotations") or []:
        for period in rotation.get("periods") or []:
            recipient = period.get("recipient") or {}
            lo, hi = parse_time(period.get("startDate")), parse_time(period.get("endDate"))
            if lo is None or hi is None:
                raise SourceError(f"Opsgenie's timeline of schedule {schedule_id} has a period without dates")
            if recipient.get("type") != "user" or max(lo, start) >= min(hi, end):
                continue
            spans.add(Span(max(lo, start), min(hi, end), str(recipient.get("id"))))
    return sorted(spans, key=lambda s: (s.start, s.person))


def verify(
    client: OpsgenieClient,
    config: OnwatchConfig,
    schedules: dict[str, str],
    people: dict[str, str],
    overrides: list[ImportedOverride],
    *,
    now: datetime,
    days: int,
) -> list[Difference]:
    """Differences over [now, now + days) for every imported schedule (Opsgenie id -> onwatch id)."""
    start, end = now, now + timedelta(days=days)
    out: list[Difference] = []
    for og_id, sid in sorted(schedules.items(), key=lambda kv: kv[1]):
        expected = [
            Span(s.start, s.end, people.get(s.person, f"opsgenie:{s.person}"))
            for s in source_spans(client, og_id, start, days)
        ]
        out += differences(sid, expected, onwatch_spans(config, sid, overrides, start, end), start, end)
    return out
