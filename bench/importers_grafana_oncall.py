"""Importing an organisation from Grafana OnCall (a local server speaking its public API v1):
1,000 users, 200 follow-the-sun web schedules (three daily shifts each) and 200 escalation chains,
then `--verify` over 28 days (final_shifts per schedule).

Target (issue 22): <= 60 s including --verify. Baseline in the same run: only reading the API
(the same requests, no mapping, validation or verify), so the ratio shows what onwatch adds.

Run: .venv/bin/python -m bench.importers_grafana_oncall [--users 1000] [--schedules 200] [--days 28]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from tests.importers.grafana_oncall_fixtures import account, policy, schedule, shift, uid
from tests.importers.grafana_oncall_render import final_shifts
from tests.importers.grafana_oncall_server import GrafanaOnCallData, grafana_oncall_server

from onwatch.importers.grafana_oncall.client import GrafanaOnCallClient
from onwatch.importers.grafana_oncall.read import read_account
from onwatch.importers.grafana_oncall.run import import_grafana_oncall

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "importers_grafana_oncall.json"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def organisation(users: int, schedules: int) -> GrafanaOnCallData:
    data = account(users=users)
    data.schedules, data.shifts, data.escalation_chains, data.escalation_policies = [], [], [], []
    for n in range(schedules):
        ids = []
        for i in range(3):
            sid = f"O{n:05d}{i}"
            members = [[(n * 12 + i * 4 + k) % users] for k in range(4)]
            data.shifts.append(
                shift(
                    sid, f"Region {i}", f"2026-11-02T{i * 8:02d}:00:00", 8 * 3600, "daily", members, level=i
                )
            )
            ids.append(sid)
        data.schedules.append(schedule(f"S{n:05d}", f"Team {n} follow the sun", ids))
        chain = f"F{n:05d}"
        data.escalation_chains.append({"id": chain, "team_id": "TSRE", "name": f"Team {n}"})
        data.escalation_policies += [
            policy(f"E{n:05d}a", chain, 0, "notify_persons", persons_to_notify=[uid(n % users)]),
            policy(f"E{n:05d}b", chain, 1, "wait", duration=600),
            policy(
                f"E{n:05d}c",
                chain,
                2,
                "notify_on_call_from_schedule",
                notify_on_call_from_schedule=f"S{n:05d}",
            ),
            policy(f"E{n:05d}d", chain, 3, "notify_persons", persons_to_notify=[uid((n + 1) % users)]),
        ]
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--schedules", type=int, default=200)
    parser.add_argument("--days", type=int, default=28)
    args = parser.parse_args()
    data = organisation(args.users, args.schedules)
    first, last = NOW.date(), (NOW + timedelta(days=args.days)).date()
    start = datetime.combine(first, clock(0), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), clock(0), tzinfo=UTC)
    by_user = {u["id"]: u for u in data.users}
    for s in data.schedules:  # the fake Grafana OnCall renders its answers before the clock starts
        key = (s["id"], first.isoformat(), last.isoformat())
        data.final_cache[key] = final_shifts(s, data.shifts, by_user, start, end)
    with grafana_oncall_server(data) as url, tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with GrafanaOnCallClient(data.token, base_url=url) as client:
            read_account(client)
        read_only = time.perf_counter() - t0
        t0 = time.perf_counter()
        done = import_grafana_oncall(
            data.token, Path(tmp) / "onwatch.yaml", now=NOW, base_url=url, verify_days=args.days
        )
        full = time.perf_counter() - t0
    assert done.differences == [], (done.differences or [])[:5]
    result = {
        "source": "grafana-oncall",
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
