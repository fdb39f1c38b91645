"""On-call schedules: onwatch resolve() vs RRULE expansion, and who-is-on-call latency over the HTTP API.

Run: .venv/bin/python -m bench.schedules [--schedules 1000] [--days 90] [--requests 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import icalendar
import recurring_ical_events

from bench.incidents import CONFIG, onwatch, percentile, server
from onwatch.oncall.domain.resolve import resolve
from onwatch.oncall.domain.schedules import Layer, Override, Rotation, Schedule, Weekday, Window

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "schedules.json"
START = datetime(2027, 3, 1, tzinfo=UTC)  # 90 days from here cross the March/April clock changes
ZONES = ("Europe/Berlin", "America/Chicago", "Australia/Sydney", "Asia/Tokyo", "UTC", "Europe/London")
SHIFTS = {
    "8h": timedelta(hours=8),
    "12h": timedelta(hours=12),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
}
RRULE = dict(zip(SHIFTS.values(), (("HOURLY", 8), ("HOURLY", 12), ("DAILY", 1), ("WEEKLY", 1)), strict=True))
PEOPLE = [f"person{i:02d}" for i in range(40)]
WEEKDAYS = frozenset(d for d in Weekday if d < Weekday.SAT)
BASELINE_NOTE = (
    "one VEVENT per (layer, member): DTSTART at the member's first slot in the layer zone, DURATION = shift, "
    "RRULE FREQ=HOURLY/DAILY/WEEKLY, INTERVAL = shift x members; windows and layer stacking ignored; "
    "overrides as one-off VEVENTs (not stacked)"
)
Generated = list[tuple[Schedule, list[Override]]]
T = TypeVar("T")


def generate(rng: random.Random, count: int, days: int) -> Generated:
    """`count` schedules of 3 layers (zones, shift lengths, some daily windows) with 5 overrides each."""
    out: Generated = []
    for n in range(count):
        layers = []
        for j in range(3):
            key = rng.choice(list(SHIFTS))
            rotation = Rotation(
                members=tuple(rng.sample(PEOPLE, rng.randint(2, 6))),
                shift=SHIFTS[key],
                handoff=wall(rng.randint(0, 23), rng.choice((0, 30))),  # some fall in DST gaps
                zone=ZoneInfo(rng.choice(ZONES)),
                start=(START - timedelta(days=rng.randint(0, 60))).date(),
            )
            windows: tuple[Window, ...] = ()
            if j and rng.random() < 0.5:  # upper layers: office hours, or a night window crossing midnight
                since = rng.choice((7, 8, 9, 20, 22))
                days_on = rng.choice((frozenset(Weekday), WEEKDAYS))
                windows = (Window(wall(since), wall((since + rng.choice((8, 9, 10))) % 24), days_on),)
            layers.append(Layer(f"{key}-{j}", rotation, windows))
        overrides = []
        for k in range(5):
            begin = START + timedelta(minutes=rng.randrange(days * 24 * 60))
            length = timedelta(minutes=rng.randrange(60, 48 * 60, 15))
            overrides.append(Override(rng.choice(PEOPLE), begin, begin + length, id=k + 1))
        out.append(
            (Schedule(f"s{n}", f"schedule {n}", tuple(layers), ZoneInfo(rng.choice(ZONES))), overrides)
        )
    return out


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def vevent(uid: str, summary: str, **props: Any) -> icalendar.Event:
    event = icalendar.Event()
    for name, value in {"uid": uid, "dtstamp": START, "summary": summary, **props}.items():
        event.add(name, value)
    return event


def baseline_calendar(schedule: Schedule, overrides: list[Override], end: datetime) -> bytes:
    """The rotations as recurring events, the way calendar-based on-call tools publish them."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//onwatch bench//rrule baseline//EN")
    cal.add("version", "2.0")
    for layer in schedule.layers:
        rot = layer.rotation
        freq, unit = RRULE[rot.shift]
        rrule = {"freq": freq, "interval": unit * len(rot.members)}
        for i, member in enumerate(rot.members):
            first_slot = rot.boundary(i).astimezone(rot.zone)
            uid = f"{schedule.id}|{layer.name}|{i}"
            cal.add_component(vevent(uid, member, dtstart=first_slot, duration=rot.shift, rrule=rrule))
    for o in overrides:
        cal.add_component(vevent(f"{schedule.id}|{o.source}", o.person, dtstart=o.start, dtend=o.end))
    first = min(layer.rotation.start for layer in schedule.layers) - timedelta(days=1)
    cal.add_missing_timezones(first_date=first, last_date=end.date() + timedelta(days=1))
    return bytes(cal.to_ical())


def handoffs_matching(
    schedule: Schedule, occurrences: list[Any], start: datetime, end: datetime
) -> list[int]:
    """[rotation handoffs in range, of which the RRULE baseline reproduces (instant, person)]."""
    got = {
        (str(e["UID"]).split("|")[1], e["DTSTART"].dt.astimezone(UTC), str(e["SUMMARY"]))
        for e in occurrences
        if "override" not in str(e["UID"])
    }
    want = {
        (layer.name, a, p)
        for layer in schedule.layers
        for a, _, p in layer.rotation.slots(start, end)
        if a > start  # the first slot is clipped to `start`
    }
    return [len(want), len(want & got)]


def bench_resolve(generated: Generated, start: datetime, end: datetime) -> dict[str, Any]:
    shifts, seconds = timed(lambda: sum(len(resolve(s, o, start, end)) for s, o in generated))
    return {
        "schedules": len(generated),
        "seconds": seconds,
        "shifts": shifts,
        "shifts_per_s": shifts / seconds,
    }


def bench_baseline(generated: Generated, start: datetime, end: datetime) -> dict[str, Any]:
    bodies = [baseline_calendar(s, o, end) for s, o in generated]  # building is not timed
    cals, parse_s = timed(lambda: [icalendar.Calendar.from_ical(b) for b in bodies])
    expanded, expand_s = timed(lambda: [recurring_ical_events.of(c).between(start, end) for c in cals])
    events = sum(len(x) for x in expanded)
    match = [handoffs_matching(s, x, start, end) for (s, _), x in zip(generated, expanded, strict=True)]
    handoffs, right = sum(m[0] for m in match), sum(m[1] for m in match)
    return {
        "vevents": sum(len(c.walk("VEVENT")) for c in cals),
        "bytes": sum(len(b) for b in bodies),
        "parse_seconds": parse_s,
        "expand_seconds": expand_s,
        "events": events,
        "events_per_s": events / expand_s,
        "rotation_handoffs": handoffs,
        "handoffs_reproduced": right,
        "note": BASELINE_NOTE,
    }


def bench_api(requests: int, rng: random.Random, workdir: Path) -> dict[str, Any]:
    env = {**os.environ, "ONWATCH_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}"}
    onwatch(env, "migrate")
    onwatch(env, "apply-config", str(CONFIG))
    token = onwatch(env, "token", "create", "--role", "viewer", "--person", "nadia", "--name", "bench")
    headers = {"Authorization": f"Bearer {token.strip().splitlines()[-1]}"}
    first = datetime(2026, 11, 9, tzinfo=UTC)
    instants = [first + timedelta(minutes=rng.randrange(365 * 24 * 60)) for _ in range(requests)]
    latencies: list[float] = []
    with server(env, workdir / "server.log") as base, httpx.Client(base_url=base, headers=headers) as client:
        for at in instants[:10]:  # warm-up, not counted: config cache, token cache, connection
            client.get("/api/v1/oncall", params={"at": at.isoformat()}).raise_for_status()
        for at in instants:
            begin = time.perf_counter()
            response = client.get("/api/v1/oncall", params={"at": at.isoformat().replace("+00:00", "Z")})
            latencies.append(time.perf_counter() - begin)
            if response.status_code != 200 or len(response.json()) != 4:
                raise RuntimeError(
                    f"GET /api/v1/oncall?at={at} -> {response.status_code}: {response.text[:200]}"
                )
    ordered = sorted(latencies)
    ms = {f"p{p}_ms": percentile(ordered, p) * 1000 for p in (50, 90, 99)}
    return {
        "requests": requests,
        **ms,
        "max_ms": ordered[-1] * 1000,
        "mean_ms": sum(ordered) / requests * 1000,
    }


def print_report(ours: dict[str, Any], base: dict[str, Any], ratio: float, api: dict[str, Any]) -> None:
    print(f"\n{'step':<32}{'seconds':>9}{'items':>10}{'items/s':>10}")
    resolved = f"{ours['seconds']:>9.2f}{ours['shifts']:>10}{ours['shifts_per_s']:>10.0f}"
    print(f"{'onwatch resolve (shifts)':<32}{resolved}")
    print(f"{'baseline parse (VEVENTs)':<32}{base['parse_seconds']:>9.2f}{base['vevents']:>10}")
    expand = f"{base['expand_seconds']:>9.2f}{base['events']:>10}{base['events_per_s']:>10.0f}"
    print(f"{'baseline expand (occurrences)':<32}{expand}")
    print(f"\nonwatch resolve / baseline expansion time: {ratio:.3f}")
    print(f"baseline: {BASELINE_NOTE}")
    share = base["handoffs_reproduced"] / base["rotation_handoffs"]
    print(f"baseline reproduces {share:.1%} of onwatch's {base['rotation_handoffs']} rotation handoffs")
    keys = ("p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms")
    print(f"\n{'GET /api/v1/oncall?at=':<24}" + "".join(f"{k:>9}" for k in keys))
    print(f"{api['requests']:<24}" + "".join(f"{api[k]:>9.2f}" for k in keys))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schedules", type=int, default=1000, help="generated schedules (3 layers each)")
    parser.add_argument("--days", type=int, default=90, help="resolve/expand this many days from 2027-03-01")
    parser.add_argument("--requests", type=int, default=2000, help="sequential GET /api/v1/oncall?at=")
    parser.add_argument("--seed", type=int, default=1, help="random.Random seed for schedules and instants")
    args = parser.parse_args()
    start, end = START, START + timedelta(days=args.days)
    rng = random.Random(args.seed)
    generated = generate(rng, args.schedules, args.days)
    print(f"resolve: {args.schedules} schedules x {args.days} days ...", flush=True)
    ours = bench_resolve(generated, start, end)
    print("baseline: RRULE calendars, parse + expand with recurring_ical_events ...", flush=True)
    base = bench_baseline(generated, start, end)
    ratio = ours["seconds"] / base["expand_seconds"]
    print(f"API: {args.requests} sequential GET /api/v1/oncall?at= ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="onwatch-bench-") as tmp:
        api = bench_api(args.requests, rng, Path(tmp))

    print_report(ours, base, ratio, api)
    report = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "icalendar": icalendar.__version__,
        },
        "parameters": {**vars(args), "start": start.isoformat(), "zones": ZONES, "shifts": list(SHIFTS)},
        "resolve": ours,
        "baseline": base,
        "resolve_over_baseline_expansion": ratio,
        "api_oncall": api,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nresults written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
