"""`--verify`: ask PagerDuty who is on call (GET /oncalls) for each imported schedule and compare it
shift by shift with onwatch's own resolution of the imported config."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from onwatch.config.schema import OnwatchConfig
from onwatch.importers.overrides import ImportedOverride
from onwatch.importers.pagerduty.client import PagerDutyClient
from onwatch.importers.pagerduty.mapping import parse_time
from onwatch.importers.pagerduty.read import V3_HEADERS
from onwatch.importers.report import SourceError
from onwatch.importers.resolve import onwatch_spans
from onwatch.importers.verify import Difference, Span, differences


def source_spans(client: PagerDutyClient, schedule_id: str, start: datetime, end: datetime) -> list[Span]:
    """PagerDuty's on-call entries of one schedule, clipped to [start, end) (deduplicated: the same
    schedule appears once per escalation policy level that targets it)."""
    spans: set[Span] = set()
    params = {"schedule_ids[]": schedule_id, "since": start.isoformat(), "until": end.isoformat()}
    for entry in client.list("/oncalls", "oncalls", params):
        user = (entry.get("user") or {}).get("id")
        lo, hi = parse_time(entry.get("start")), parse_time(entry.get("end"))
        if user is None:
            raise SourceError(f"PagerDuty's on-call entry for schedule {schedule_id} names no user")
        spans.add(Span(max(lo or start, start), min(hi or end, end), str(user)))
    return sorted(spans, key=lambda s: (s.start, s.person))


def source_spans_v3(client: PagerDutyClient, schedule_id: str, start: datetime, end: datetime) -> list[Span]:
    """A v3 schedule's final schedule (its computed shift assignments), clipped to [start, end)."""
    params = {"include[]": "final_schedule", "since": start.isoformat(), "until": end.isoformat()}
    schedule = client.get(f"/v3/schedules/{schedule_id}", params, V3_HEADERS).get("schedule") or {}
    spans: set[Span] = set()
    for shift in (schedule.get("final_schedule") or {}).get("computed_shift_assignments") or []:
        user = (shift.get("member") or {}).get("user_id")
        lo, hi = parse_time(shift.get("start_time")), parse_time(shift.get("end_time"))
        if user is None or lo is None or hi is None:
            continue  # an empty member: nobody on call, as onwatch shows no shift
        if lo < end and start < hi:
            spans.add(Span(max(lo, start), min(hi, end), str(user)))
    return sorted(spans, key=lambda s: (s.start, s.person))


def verify(
    client: PagerDutyClient,
    config: OnwatchConfig,
    schedules: dict[str, str],
    people: dict[str, str],
    overrides: Sequence[ImportedOverride] = (),
    v3: frozenset[str] = frozenset(),
    *,
    now: datetime,
    days: int,
) -> list[Difference]:
    """Differences over [now, now + days) for every imported schedule (PagerDuty id -> onwatch id),
    onwatch's side resolved with the imported overrides."""
    start, end = now, now + timedelta(days=days)
    out: list[Difference] = []
    for pd_id, sid in sorted(schedules.items(), key=lambda kv: kv[1]):
        expected = [
            Span(s.start, s.end, people.get(s.person, f"pagerduty:{s.person}"))
            for s in (source_spans_v3 if pd_id in v3 else source_spans)(client, pd_id, start, end)
        ]
        out += differences(sid, expected, onwatch_spans(config, sid, overrides, start, end), start, end)
    return out
