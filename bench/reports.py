"""Reports over a year of history: 10,000 incidents, 1,000,000 alerts, 200,000 pages to 50 people
on 10 schedules, on SQLite and PostgreSQL.

Run: .venv/bin/python -m bench.reports [--scale 1.0] [--repeat 3] [--backends sqlite,postgresql]

Each backend gets a fresh migrated database with the demo organisation grown to 50 people and 10
schedules (more people across the world's zones, in weekly rotations of six). The history is written
in bulk: 100,000 alert groups (200 alert rules, Zipf-like: a few rules make most of the noise) and
10,000 incidents from Python in batches; the 1,000,000 alerts (10 per group) and the timeline (a
`paged` event per page, two pages per group, a `delivered` event per page, and flaps) by
INSERT ... SELECT in the database. Measured: each report over the whole year, through the report
service the API calls (`Reports`), best of `--repeat` runs, and the dashboard's 7-day strip; each
also as a ratio of the same run's baseline: counting the year's pages (`SELECT count(*)`).

Targets: each report <= 1 s on PostgreSQL and <= 2 s on SQLite; the strip <= 100 ms. Results go to
bench/results/reports.json.
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
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from onwatch.bootstrap import Onwatch, build
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.db import migrate
from onwatch.db.tables import alert_groups, alerts, incident_services, incidents, timeline_events
from onwatch.kernel.clock import FakeClock
from onwatch.reports.domain.filters import Period
from onwatch.reports.queries import Filters
from onwatch.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "reports.json"
DEMO = ROOT / "examples" / "illumidesk.yaml"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
YEAR_START = NOW - timedelta(days=365)
TARGET_S = {"postgresql": 1.0, "sqlite": 2.0}
STRIP_TARGET_S = 0.1
ZONES = [
    "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo",
    "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", "Africa/Lagos", "Europe/Warsaw",
]  # fmt: skip
SERVICES = ["web", "api", "git", "pages", "registry"]
INTEGRATIONS = ["prometheus", "events", "webhook"]
SEVERITIES = ["critical", "error", "warning", "info"]


def organisation(people: int = 50, schedules: int = 10) -> str:
    """The demo config grown to `people` and `schedules`: weekly rotations of six new people each."""
    document = yaml.safe_load(DEMO.read_text())
    extra_people = people - len(document["people"])
    extra_schedules = schedules - len(document["schedules"])
    names = [f"p{i:02d}" for i in range(extra_people)]
    for i, person in enumerate(names):
        document["people"][person] = {
            "name": f"Person {i:02d}",
            "email": f"{person}@illumidesk.example",
            "timezone": ZONES[i % len(ZONES)],
            "contact_methods": [{"type": "email", "address": f"{person}@illumidesk.example"}],
        }
    for s in range(extra_schedules):
        members = names[s * 6 : s * 6 + 6]
        document["schedules"][f"rotation-{s}"] = {
            "name": f"Rotation {s}",
            "layers": [
                {
                    "name": "weekly",
                    "rotation": {
                        "members": members, "shift": "weekly", "handoff": "09:00",
                        "timezone": ZONES[s % len(ZONES)], "start": "2025-11-03",
                    },
                }
            ],
        }  # fmt: skip
    for schedule in document["schedules"].values():  # the year before the demo's rotations began
        for layer in schedule["layers"]:
            layer["rotation"]["start"] = "2025-11-03"
    return yaml.safe_dump(document, sort_keys=False)


def load(ow: Onwatch, scale: float, seed: int) -> dict[str, int]:
    """A year of history, bulk-written; returns the row counts."""
    rng = random.Random(seed)
    people = sorted(ow.oncall.applied().config.people)
    groups_n, incidents_n = int(100_000 * scale), int(10_000 * scale)
    rules = [f"Rule{r:03d}" for r in range(200)]
    weights = [1 / (r + 1) ** 1.1 for r in range(len(rules))]
    year = (NOW - YEAR_START).total_seconds()
    incident_rows, service_rows = [], []
    for i in range(1, incidents_n + 1):
        declared = YEAR_START + timedelta(seconds=year * i / (incidents_n + 1) + rng.randint(0, 600))
        mitigated = declared + timedelta(minutes=rng.randint(5, 240))
        owner = rng.choice(people)
        incident_rows.append(
            {
                "id": i, "title": f"incident {i}", "severity": rng.choice([1, 2, 2, 3, 3, 3, 4]),
                "state": "resolved", "status": "operational", "declared_by": owner, "declared_at": declared,
                "owner_id": owner, "owner_role": "eoc", "imoc_required": False, "review_requested": False,
                "mitigated_at": mitigated, "resolved_at": mitigated + timedelta(minutes=rng.randint(0, 600)),
                "updated_at": mitigated, "version": 1, "security": False, "confidential": False,
                "review_completed": False,
            }
        )  # fmt: skip
        service_rows.append({"incident_id": i, "service_id": rng.choice(SERVICES)})
    group_rows = []
    for g in range(1, groups_n + 1):
        created = YEAR_START + timedelta(seconds=rng.uniform(0, year))
        acked = created + timedelta(seconds=rng.randint(20, 1800)) if rng.random() < 0.7 else None
        resolved = (acked or created) + timedelta(seconds=rng.randint(60, 7200))
        rule = rng.choices(rules, weights=weights)[0]
        incident = g // 10 if g % 10 == 0 and g // 10 <= incidents_n else None
        group_rows.append(
            {
                "id": g, "group_key": f"{rule}:{g}", "integration_id": INTEGRATIONS[int(rule[4:]) % 3],
                "service_id": SERVICES[g % len(SERVICES)], "title": f"{rule} firing",
                "severity": rng.choice(SEVERITIES),
                "status": "resolved", "alert_count": 10, "firing_count": 0, "event_count": 10,
                "flap_history": [], "flapping": False, "in_maintenance": False, "incident_id": incident,
                "created_at": created, "updated_at": resolved, "acknowledged_at": acked,
                "acknowledged_by": "amara" if acked else None, "resolved_at": resolved,
                "resolved_by": "amara" if acked else "prometheus",
            }
        )  # fmt: skip
    engine = ow.db.engine
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for table, rows in (
            (incidents, incident_rows),
            (incident_services, service_rows),
            (alert_groups, group_rows),
        ):
            for start in range(0, len(rows), 5000):
                conn.execute(sa.insert(table), rows[start : start + 5000])
        grp = alert_groups.c
        ten = sa.values(sa.column("n", sa.Integer), name="ten").data([(n,) for n in range(10)]).cte("ten")
        labels = (
            sa.func.jsonb_build_object("alertname", sa.func.split_part(grp.group_key, ":", 1), "n", ten.c.n)
            if pg
            else sa.func.json_object(
                "alertname",
                sa.func.substr(grp.group_key, 1, sa.func.instr(grp.group_key, ":") - 1),
                "n",
                ten.c.n,
            )
        )
        conn.execute(
            sa.insert(alerts).from_select(
                ["integration_id", "dedup_key", "group_id", "status", "summary", "severity", "source",
                 "labels", "details", "event_count", "first_seen", "last_seen", "resolved_at"],
                sa.select(
                    grp.integration_id, grp.group_key + "-" + sa.cast(ten.c.n, sa.String), grp.id,
                    sa.literal("resolved"), grp.title, grp.severity, sa.literal("bench"), labels,
                    sa.literal_column("'{}'"), sa.literal(1), grp.created_at, grp.resolved_at,
                    grp.resolved_at,
                ).select_from(alert_groups.join(ten, sa.true())),
            )
        )  # fmt: skip
        who = (
            sa.values(sa.column("k", sa.Integer), sa.column("person", sa.String), name="who")
            .data(list(enumerate(people)))
            .cte("who")
        )
        two = sa.values(sa.column("m", sa.Integer), name="two").data([(0,), (1,)]).cte("two")
        # two pages per group, five minutes apart (the second to another person: an escalation)
        shift = sa.func.make_interval(0, 0, 0, 0, 0, 5 * two.c.m) if pg else None
        at = (
            grp.created_at + shift
            if pg
            else sa.func.datetime(grp.created_at, sa.func.printf("+%d minutes", 5 * two.c.m))
        )
        paged_person = (grp.id * 7 + two.c.m) % len(people)
        for kind in ("paged", "delivered"):
            conn.execute(
                sa.insert(timeline_events).from_select(
                    ["group_id", "at", "kind", "actor", "interface", "message", "data", "person"],
                    sa.select(
                        grp.id, at, sa.literal(kind), sa.literal("onwatch"), sa.literal("engine"),
                        sa.literal(f"{kind} (bench)"), sa.literal_column("'{}'"),
                        who.c.person if kind == "paged" else sa.null(),
                    )
                    .select_from(alert_groups.join(two, sa.true()).join(who, who.c.k == paged_person)),
                )
            )  # fmt: skip
        conn.execute(
            sa.insert(timeline_events).from_select(
                ["group_id", "at", "kind", "actor", "interface", "message", "data"],
                sa.select(
                    grp.id, grp.created_at, sa.literal("flapping"), sa.literal("onwatch"),
                    sa.literal("engine"), sa.literal("flapping (bench)"), sa.literal_column("'{}'"),
                ).where(grp.id % 17 == 0),
            )
        )  # fmt: skip
        if pg:
            for name in ("incidents", "alert_groups", "alerts", "timeline_events"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                )
        conn.exec_driver_sql("ANALYZE")
        counts = {
            name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for name, t in (("incidents", incidents), ("alert_groups", alert_groups), ("alerts", alerts))
        }
        counts["pages"] = int(
            conn.execute(sa.select(sa.func.count()).where(timeline_events.c.kind == "paged")).scalar_one()
        )
        counts["timeline_events"] = int(
            conn.execute(sa.select(sa.func.count()).select_from(timeline_events)).scalar_one()
        )
    counts["people"] = len(people)
    counts["schedules"] = len(ow.oncall.applied().schedules)
    return counts


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return round(min(times), 3)


def run_backend(url: str, scale: float, repeat: int, seed: int) -> dict[str, Any]:
    clock = FakeClock(NOW)
    ow = build(Settings.model_construct(database_url=url, public_url="http://onwatch.test"), clock)
    try:
        migrate.upgrade(ow.db.engine)
        apply_config(ow.db, load_config(organisation()), now=NOW, applied_by="bench")
        began = time.perf_counter()
        counts = load(ow, scale, seed)
        load_s = round(time.perf_counter() - began, 1)
        year = Filters(YEAR_START, NOW)
        r = ow.reports
        runs: dict[str, Callable[[], object]] = {
            "response_weekly": lambda: r.response(year, Period.WEEK),
            "response_monthly": lambda: r.response(year, Period.MONTH),
            "response_overall": lambda: r.response(year, None, split=False),
            "load": lambda: r.load(year),
            "noise": lambda: r.noise(year),
        }
        strip = getattr(r, "strip", None)
        if strip is not None:
            runs["dashboard_strip"] = lambda: strip(NOW)
        seconds = {name: best(fn, repeat) for name, fn in runs.items()}

        def baseline() -> None:  # the least a report reads: counting the year's pages
            with ow.db.read() as uow:
                uow.conn.execute(
                    sa.select(sa.func.count()).where(
                        timeline_events.c.kind == "paged", timeline_events.c.at >= YEAR_START
                    )
                ).scalar_one()

        base = best(baseline, repeat)
        ratios = {name: round(s / base, 1) if base else None for name, s in seconds.items()}
    finally:
        ow.db.dispose()
    target = TARGET_S[ow.db.dialect]
    met = all(s <= (STRIP_TARGET_S if n == "dashboard_strip" else target) for n, s in seconds.items())
    return {
        "rows": counts,
        "load_seconds": load_s,
        "seconds": seconds,
        "baseline_count_pages_s": base,
        "x_baseline": ratios,
        "target_s": target,
        "met": met,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: the issue's year of history")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="onwatch-bench-reports-") as tmp:
        for backend in args.backends.split(","):
            templates = None
            try:
                if backend == "sqlite":
                    url = f"sqlite:///{Path(tmp) / 'reports.db'}"
                else:
                    from tests.databases import PostgresTemplates, postgres_unreachable_reason

                    reason = postgres_unreachable_reason()
                    if reason:
                        skipped[backend] = reason
                        continue
                    templates = PostgresTemplates()
                    url = templates.fresh()
                results[backend] = run_backend(url, args.scale, args.repeat, args.seed)
            finally:
                if templates is not None:
                    templates.drop_all()
            res = results[backend]
            print(f"\n{backend}: {res['rows']} written in {res['load_seconds']} s")
            for name, s in res["seconds"].items():
                print(f"  {name:<18} {s:>7.3f} s  x{res['x_baseline'][name]} of counting the pages")
            verdict = "met" if res["met"] else "NOT met"
            print(f"  targets ({res['target_s']} s per report, {STRIP_TARGET_S} s the strip): {verdict}")
    document = {
        "bench": "reports",
        "at": datetime.now(UTC).isoformat(),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "parameters": vars(args),
        "results": results,
        "skipped": skipped,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    return 0 if all(r["met"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
