"""`--verify`: ask Grafana OnCall for each imported schedule's final shifts
(`GET /api/v1/schedules/{id}/final_shifts`, overrides included) and compare them shift by shift with
onwatch's resolution of the imported config and overrides."""

from __future__ import annotations

from datetime import datetime, timedelta

from onwatch.config.schema import OnwatchConfig
from onwatch.importers.grafana_oncall.client import GrafanaOnCallClient
from onwatch.importers.grafana_oncall.shifts import parse_until
from onwatch.importers.overrides import ImportedOverride
from onwatch.importers.report import SourceError
from onwatch.importers.resolve import onwatch_spans
from onwatch.importers.verify import Difference, Span, differences


def source_spans(client: GrafanaOnCallClient, schedule_id: str, start: datetime, end: datetime) -> list[Span]:
    """Final shifts over the days [start, end) touches (the API takes whole dates), clipped."""
    params = {"start_date": start.date().isoformat(), "end_date": end.date().isoformat()}
    spans: set[Span] = set()
    for shift in client.list(f"/api/v1/schedules/{schedule_id}/final_shifts", params):
        lo, hi = parse_until(shift.get("shift_start")), parse_until(shift.get("shift_end"))
        if lo is None or hi is None or not shift.get("user_pk"):
            raise SourceError(
                f"Grafana OnCall's final shifts of schedule {schedule_id} have an incomplete shift"
            )
        if max(lo, start) < min(hi, end):
            spans.add(Span(max(lo, start), min(hi, end), str(shift["user_pk"])))
    return sorted(spans, key=lambda s: (s.start, s.person))


def verify(
    client: GrafanaOnCallClient,
    config: OnwatchConfig,
    schedules: dict[str, str],
    people: dict[str, str],
    overrides: list[ImportedOverride],
    *,
    now: datetime,
    days: int,
) -> list[Difference]:
    """Differences over [now, now + days) for every imported schedule (Grafana id -> onwatch id)."""
    start, end = now, now + timedelta(days=days)
    out: list[Difference] = []
    for gid, sid in sorted(schedules.items(), key=lambda kv: kv[1]):
        expected = [
            Span(s.start, s.end, people.get(s.person, f"grafana-oncall:{s.person}"))
            for s in source_spans(client, gid, start, end)
        ]
        out += differences(sid, expected, onwatch_spans(config, sid, overrides, start, end), start, end)
    return out
