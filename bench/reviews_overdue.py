"""The overdue review list, before and after its fix, in the same run on the same data (10,000
incidents with reviews and 2,000 near misses, loaded as bench.reviews loads them), on SQLite and
PostgreSQL.

Run: .venv/bin/python -m bench.reviews_overdue [--rounds 200]

What EXPLAIN ANALYZE shows on PostgreSQL: `status != 'completed' AND due_at < now ORDER BY id DESC
LIMIT 100` walks the primary key backwards and filters the rows it meets (2,111 removed: the 2,000
near misses not yet due, and completed reviews; 1,414 buffers), in ~1.5 ms: the SQL is not what
costs. A partial index of the reviews not completed (tried: the `partial_index` variant) removes
only the completed ones from the walk (1,409 buffers, 2,000 rows removed) and measured no faster,
so it is not kept. What the list keeps is reading only the columns it shows (not the sections,
prefill, marks and search text each review carries).

Variants, interleaved round by round (so the load on the machine falls on all alike), each a read
transaction on one connection, each loading 100 Review objects:
- before: the whole row (the list as it was);
- after: the listed columns (ReviewRepository.find, as the API runs it);
- partial_index: the listed columns with `ix_reviews_open_id (id) WHERE status != 'completed'`
  created inside the transaction (not timed) and rolled back.
Results go to bench/results/reviews_overdue.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.reviews import DEMO, NOW, load, percentile
from onwatch.bootstrap import build
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config_file
from onwatch.db import migrate
from onwatch.db.tables import reviews
from onwatch.kernel.clock import FakeClock
from onwatch.reviews.store.reviews import ReviewFilter, ReviewRepository
from onwatch.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "reviews_overdue.json"
OVERDUE = ReviewFilter(overdue_at=NOW, limit=100)
PARTIAL_INDEX = "CREATE INDEX ix_reviews_open_id ON reviews (id) WHERE status != 'completed'"


def _whole_rows(conn: sa.Connection) -> int:
    """The list as it was: every column of the row, each loaded into a Review."""
    query = (
        sa.select(reviews)
        .where(reviews.c.status != "completed", reviews.c.due_at < NOW)
        .order_by(reviews.c.id.desc())
        .limit(100)
    )
    return len([ReviewRepository._load(r) for r in conn.execute(query).mappings()])


def _listed(conn: sa.Connection) -> int:
    return len(ReviewRepository(conn).find(OVERDUE))


def _explain(conn: sa.Connection) -> list[str]:
    query = (
        sa.select(reviews.c.id)
        .where(reviews.c.status != "completed", reviews.c.due_at < NOW)
        .order_by(reviews.c.id.desc())
        .limit(100)
    )
    compiled = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) "
        if conn.dialect.name == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    return [" ".join(str(c) for c in row) for row in conn.exec_driver_sql(prefix + compiled)]


def run_backend(url: str, rounds: int, seed: int) -> dict[str, Any]:
    ow = build(Settings.model_construct(database_url=url, public_url="http://onwatch.test"), FakeClock(NOW))
    migrate.upgrade(ow.db.engine)
    apply_config(ow.db, load_config_file(DEMO), now=NOW, applied_by="bench")
    load(ow.db.engine, 10_000, 2_000, seed)
    variants = {"before": (_whole_rows, False), "after": (_listed, False), "partial_index": (_listed, True)}
    times: dict[str, list[float]] = {name: [] for name in variants}
    plans: dict[str, list[str]] = {}
    try:
        with ow.db.engine.connect() as conn:
            for n in range(rounds + 10):
                for name, (read, with_index) in variants.items():
                    with conn.begin() as tx:
                        if with_index:
                            conn.exec_driver_sql(PARTIAL_INDEX)
                        began = time.perf_counter()
                        found = read(conn)
                        elapsed = (time.perf_counter() - began) * 1000
                        if n == 0:
                            plans[name] = _explain(conn)
                        tx.rollback()
                    assert found == 100, (name, found)
                    if n >= 10:  # the first rounds warm caches
                        times[name].append(elapsed)
    finally:
        ow.db.dispose()
    out: dict[str, Any] = {}
    for name, values in times.items():
        out[name] = {
            "p50_ms": round(percentile(values, 50), 3),
            "p99_ms": round(percentile(values, 99), 3),
            "plan": plans[name],
        }
    for name in ("after", "partial_index"):
        out[name]["p50_vs_before"] = round(out[name]["p50_ms"] / out["before"]["p50_ms"], 3)
        out[name]["p99_vs_before"] = round(out[name]["p99_ms"] / out["before"]["p99_ms"], 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="onwatch-bench-overdue-") as tmp:
        for backend in args.backends.split(","):
            templates = None
            try:
                if backend == "sqlite":
                    url = f"sqlite:///{Path(tmp) / 'overdue.db'}"
                else:
                    from tests.databases import PostgresTemplates, postgres_unreachable_reason

                    reason = postgres_unreachable_reason()
                    if reason:
                        skipped[backend] = reason
                        continue
                    templates = PostgresTemplates()
                    url = templates.fresh()
                results[backend] = run_backend(url, args.rounds, args.seed)
            finally:
                if templates is not None:
                    templates.drop_all()
            r = results[backend]
            print(f"\n{backend}: the overdue list (100 of 10,000 reviews + 2,000 near misses)")
            for name, m in r.items():
                ratio = (
                    f"  p50 x{m['p50_vs_before']} p99 x{m['p99_vs_before']} of before"
                    if name != "before"
                    else ""
                )
                print(f"  {name:<7} p50 {m['p50_ms']:>7.3f} ms  p99 {m['p99_ms']:>7.3f} ms{ratio}")
                for line in m["plan"]:
                    print(f"      {line}")
    document = {
        "bench": "reviews_overdue",
        "at": datetime.now(UTC).isoformat(),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "parameters": vars(args),
        "results": results,
        "skipped": skipped,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
