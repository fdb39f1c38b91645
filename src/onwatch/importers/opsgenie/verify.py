"""`--verify`: ask Opsgenie who is on call (the Who is On Call API) through the window and compare
it shift by shift with onwatch's resolution.

Who-is-on-call answers for one instant, so the instants come from both sides' shifts: each
imported schedule's final timeline (`GET /v2/schedules/{id}/timeline`, overrides included) and
onwatch's own resolution cut the window into ranges in which neither changes hands; Opsgenie is
asked at the start and at the middle of each range (`GET /v2/schedules/{id}/on-calls?date=`; an
instant several schedules need, once for all of them: `GET /v2/schedules/on-calls?date=`), and what
it answers is compared with onwatch. A range where Opsgenie's two answers differ changed hands
where neither timeline says; the difference is reported from the middle on."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from onwatch.config.schema import OnwatchConfig
from onwatch.importers.opsgenie.client import OpsgenieClient
from onwatch.importers.opsgenie.mapping import parse_time
from onwatch.importers.overrides import ImportedOverride
from onwatch.importers.report import SourceError
from onwatch.importers.resolve import onwatch_spans
from onwatch.importers.verify import Difference, Span, differences

# who-is-on-call is one request per instant: a few in flight hide the round trip to Opsgenie
CONCURRENT_REQUESTS = 4
# an instant this many schedules need is asked once for all (List On Calls answers every schedule)
SHARED = 3


def timeline_spans(client: OpsgenieClient, schedule_id: str, start: datetime, days: int) -> list[Span]:
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


def _users(participants: Any) -> frozenset[str]:
    """The users among who-is-on-call's participants (an escalation's or team's own on-call
    participants nested in it)."""
    found: set[str] = set()
    for p in participants if isinstance(participants, list) else []:
        if not isinstance(p, dict):
            continue
        if p.get("type") == "user" and p.get("id"):
            found.add(str(p["id"]))
        found |= _users(p.get("onCallParticipants"))
    return frozenset(found)


def on_call_at(client: OpsgenieClient, schedule_id: str, at: datetime) -> frozenset[str]:
    """Opsgenie's user ids on call for the schedule at `at` (`GET /v2/schedules/{id}/on-calls`)."""
    data = client.one(
        f"/v2/schedules/{schedule_id}/on-calls",
        {"scheduleIdentifierType": "id", "flat": "false", "date": _instant(at)},
    )
    if "onCallParticipants" not in data:
        raise SourceError(f"Opsgenie's on-calls of schedule {schedule_id} has no 'onCallParticipants'")
    return _users(data["onCallParticipants"])


def _instant(at: datetime) -> str:
    # the documented form yyyy-MM-dd'T'HH:mm:ssZ, e.g. 2017-01-15T08:00:00+02:00
    return at.astimezone(UTC).isoformat(timespec="seconds")


def _middle(lo: datetime, hi: datetime) -> datetime:
    mid = lo + (hi - lo) / 2
    return max(lo, mid.replace(microsecond=0))


def ranges(spans: Iterable[Span], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at every start and end of the given shifts (pure)."""
    points = sorted({start, end} | {t for s in spans for t in (s.start, s.end) if start < t < end})
    return list(itertools.pairwise(points))


def asked_spans(
    cuts: Sequence[tuple[datetime, datetime]], answers: dict[datetime, frozenset[str]]
) -> list[Span]:
    """Opsgenie's side from its answers at each range's start and middle (pure)."""
    out: list[Span] = []
    for lo, hi in cuts:
        mid = _middle(lo, hi)
        for a, b, at in ((lo, mid, lo), (mid, hi, mid)):
            out += [Span(a, b, person) for person in sorted(answers[at])] if a < b else []
    return out


def on_calls_of_all(client: OpsgenieClient, at: datetime) -> dict[str, frozenset[str]]:
    """Every schedule's on-call users at `at` in one request (`GET /v2/schedules/on-calls`)."""
    found = client.data("/v2/schedules/on-calls", {"flat": "false", "date": _instant(at)})
    out: dict[str, frozenset[str]] = {}
    for entry in found if isinstance(found, list) else []:
        parent = entry.get("_parent") if isinstance(entry, dict) else None
        if isinstance(parent, dict) and parent.get("id") and "onCallParticipants" in entry:
            out[str(parent["id"])] = _users(entry["onCallParticipants"])
    return out


def ask(
    client: OpsgenieClient, needed: dict[str, set[datetime]], pool: ThreadPoolExecutor
) -> dict[tuple[str, datetime], frozenset[str]]:
    """Who-is-on-call for every (schedule, instant) needed: an instant that several schedules
    need (handovers at the same hour) is asked once for all of them, the rest schedule by schedule."""
    by_instant: dict[datetime, set[str]] = {}
    for schedule, instants in needed.items():
        for at in instants:
            by_instant.setdefault(at, set()).add(schedule)
    shared = sorted(at for at, ids in by_instant.items() if len(ids) >= SHARED)
    answers: dict[tuple[str, datetime], frozenset[str]] = {}
    for at, everyone in zip(shared, pool.map(lambda t: on_calls_of_all(client, t), shared), strict=True):
        answers |= {(sid, at): everyone[sid] for sid in by_instant[at] if sid in everyone}
    alone = sorted((sid, at) for at, ids in by_instant.items() for sid in ids if (sid, at) not in answers)
    found = pool.map(lambda key: on_call_at(client, *key), alone)
    return answers | dict(zip(alone, found, strict=True))


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
    """Differences over [now, now + days) for every imported schedule (Opsgenie id -> onwatch id):
    who-is-on-call at the start and the middle of every range the schedule's final timeline and
    onwatch's shifts cut the window into, against onwatch."""
    start, end = now, now + timedelta(days=days)
    mine = {og: onwatch_spans(config, sid, overrides, start, end) for og, sid in schedules.items()}
    cuts = {og: ranges((*timeline_spans(client, og, start, days), *mine[og]), start, end) for og in schedules}
    needed = {og: {t for lo, hi in c for t in (lo, _middle(lo, hi))} for og, c in cuts.items()}
    with ThreadPoolExecutor(CONCURRENT_REQUESTS) as pool:
        answers = ask(client, needed, pool)
    out: list[Difference] = []
    for og, sid in sorted(schedules.items(), key=lambda kv: kv[1]):
        asked = asked_spans(cuts[og], {at: answers[(og, at)] for at in needed[og]})
        expected = [Span(s.start, s.end, people.get(s.person, f"opsgenie:{s.person}")) for s in asked]
        out += differences(sid, expected, mine[og], start, end)
    return out
