"""Importing an organisation from Opsgenie (a local server speaking its REST API v2): 1,000 users,
200 follow-the-sun schedules (three restricted rotations each) and 200 escalations, then
`--verify` over 28 days (one final timeline per schedule, then who-is-on-call at the start and the
middle of every shift: an instant the schedules share is one List On Calls request for all).

Target (issue 22): <= 60 s including --verify. Baseline in the same run: only reading the API
(the same requests, no mapping, validation or verify), so the ratio shows what onwatch adds.

Run: .venv/bin/python -m bench.importers_opsgenie [--users 1000] [--schedules 200] [--days 28]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.importers.opsgenie_fixtures import account, escalation, follow_the_sun, participant
from tests.importers.opsgenie_server import OpsgenieData, opsgenie_server
from tests.importers.opsgenie_timeline import timeline

from onwatch.importers.opsgenie.client import OpsgenieClient
from onwatch.importers.opsgenie.read import read_account
from onwatch.importers.opsgenie.run import import_opsgenie

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "importers_opsgenie.json"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def organisation(users: int, schedules: int) -> OpsgenieData:
    data = account(users=users)
    data.schedules, data.escalations, data.overrides = [], [], {}
    for n in range(schedules):
        schedule = follow_the_sun(f"sched-{n:05d}", f"Team {n} follow the sun")
        for i, rotation in enumerate(schedule["rotations"]):
            rotation["participants"] = [participant((n * 12 + i * 4 + k) % users) for k in range(4)]
        data.schedules.append(schedule)
        data.escalations.append(
            escalation(
                f"esc-{n:05d}",
                f"Team {n}",
                "team-sre",
                [
                    (0, participant(n % users)),
                    (10, {"type": "schedule", "id": schedule["id"], "name": schedule["name"]}),
                    (15, participant((n + 1) % users)),
                ],
                {"waitInterval": 10, "count": 1, "resetRecipientStates": False, "closeAlertAfterAll": False},
            )
        )
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--schedules", type=int, default=200)
    parser.add_argument("--days", type=int, default=28)
    args = parser.parse_args()
    data = organisation(args.users, args.schedules)
    for schedule in data.schedules:  # the fake Opsgenie renders its answers before the clock starts
        key = (schedule["id"], NOW.isoformat(), args.days)
        data.timeline_cache[key] = timeline(schedule, NOW, NOW + timedelta(days=args.days), [])
    with opsgenie_server(data) as url, tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with OpsgenieClient(data.api_key, base_url=url) as client:
            read_account(client)
        read_only = time.perf_counter() - t0
        t0 = time.perf_counter()
        done = import_opsgenie(
            data.api_key, Path(tmp) / "onwatch.yaml", now=NOW, base_url=url, verify_days=args.days
        )
        full = time.perf_counter() - t0
    assert done.differences == [], (done.differences or [])[:5]
    result = {
        "source": "opsgenie",
        "users": args.users,
        "schedules": args.schedules,
        "escalation_policies": done.result.counts["escalation_policies"],
        "verify_days": args.days,
        "requests": len(data.throttle.requests),
        "baseline_read_only_s": round(read_only, 2),
        "import_and_verify_s": round(full, 2),
        "ratio_to_baseline": round(full / read_only, 2),
        "target_s": 60,
        "unsupported_listed": len(done.result.unsupported),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
