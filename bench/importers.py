"""Importing an organisation from PagerDuty (a local server speaking its REST API v2): 1,000 users,
200 follow-the-sun schedules and 200 escalation policies, then `--verify` over 28 days.

Target (issue 22): <= 60 s including --verify. Baseline in the same run: only reading the API
(the same requests, no mapping, validation or verify), so the ratio shows what onwatch adds.

Run: .venv/bin/python -m bench.importers [--users 1000] [--schedules 200] [--days 28]
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

from tests.importers.pagerduty_fixtures import account, follow_the_sun, policy, uid
from tests.importers.pagerduty_oncalls import oncalls
from tests.importers.pagerduty_server import PagerDutyData, pagerduty_server

from onwatch.config.loader import load_config_file
from onwatch.importers.pagerduty.client import PagerDutyClient
from onwatch.importers.pagerduty.read import read_account
from onwatch.importers.pagerduty.run import import_pagerduty

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "importers.json"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def organisation(users: int, schedules: int) -> PagerDutyData:
    data = account(users=users)
    data.schedules, data.escalation_policies = [], []
    for n in range(schedules):
        schedule = follow_the_sun()
        schedule["id"], schedule["name"] = f"PS{n:05d}", f"Team {n} follow the sun"
        for i, layer in enumerate(schedule["schedule_layers"]):
            layer["users"] = [{"user": {"id": uid((n * 12 + i * 4 + k) % users)}} for k in range(4)]
        data.schedules.append(schedule)
        data.escalation_policies.append(
            policy(
                f"PE{n:05d}",
                f"Team {n}",
                [(10, [("schedule_reference", schedule["id"])]), (15, [("user_reference", uid(n % users))])],
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
    since, until = NOW, NOW + timedelta(days=args.days)
    for schedule in data.schedules:  # the fake PagerDuty renders its answers before the clock starts
        key = (schedule["id"], since.isoformat(), until.isoformat())
        data.oncall_cache[key] = oncalls(schedule, since, until, [])
    with pagerduty_server(data) as url, tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with PagerDutyClient(data.token, base_url=url) as client:
            read_account(client, NOW)  # the requests the import makes, overrides and v3 included
        read_only = time.perf_counter() - t0
        t0 = time.perf_counter()
        done = import_pagerduty(
            data.token, Path(tmp) / "onwatch.yaml", now=NOW, base_url=url, verify_days=args.days
        )
        full = time.perf_counter() - t0
        # what `onwatch apply-config` does first with the output: parse and validate it
        t0 = time.perf_counter()
        load_config_file(Path(tmp) / "onwatch.yaml")
        config_load = time.perf_counter() - t0
    assert done.differences == [], (done.differences or [])[:5]
    result = {
        "users": args.users,
        "schedules": args.schedules,
        "escalation_policies": args.schedules,
        "verify_days": args.days,
        "baseline_read_only_s": round(read_only, 2),
        "import_and_verify_s": round(full, 2),
        "ratio_to_baseline": round(full / read_only, 2),
        "config_load_s": round(config_load, 2),
        "target_s": 60,
        "unsupported_listed": len(done.result.unsupported),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
