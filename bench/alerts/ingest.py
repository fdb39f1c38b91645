"""Phase 1: alert ingest rate with wrk, onwatch vs Prometheus Alertmanager."""

from __future__ import annotations

import argparse
import importlib.util
import json
import secrets
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from tests.receivers import WebhookSink

from bench.alerts.ceiling import TABLE as CEILING_TABLE
from bench.alerts.common import AM_PATH, BenchError, clean_env, prepared_database, scalar
from bench.alerts.servers import alertmanager, ceiling_server, onwatch_server
from bench.incidents import postgres_database

# wrk script: each thread has one connection and a quota of requests; every request carries `batch`
# new alerts (distinct fingerprints / instance labels). Like an Alertmanager notification, a request's
# alerts share one alertname; successive requests cycle through `names` alertnames, each connection from
# its own offset so that concurrent requests mostly hit different groups. With mix = 1 instead, every
# alert of a request takes the next alertname (a batch spans all groups, in a per-connection order). When a
# thread's quota is answered it writes a marker file and stops; Python then SIGINTs wrk (which would
# otherwise sleep out its whole -d) and reads the per-thread counters printed by done().
WRK_LUA = r"""
local ffi = require("ffi")
pcall(ffi.cdef, [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *tp);
]])
local ts = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(0, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  fmt = args[1]; batch = tonumber(args[2]); total = tonumber(args[3]); nthreads = tonumber(args[4])
  tag = args[5]; names = tonumber(args[6]); donefile = args[7]; mix = args[8] == "1"; prefix = args[9]
  quota = math.floor(total / nthreads)
  if tid < total % nthreads then quota = quota + 1 end
  sent = 0; answered = 0; bad = 0; bad_codes = ""; first = 0; last = 0; seq = 0
end

local function alert(n, name)
  local fp = tag .. "-" .. tid .. "-" .. n
  local labels = string.format(
    '{"alertname":"%s%d","service":"web","severity":"warning","instance":"%s"}', prefix, name, fp)
  if fmt == "onwatch" then
    return string.format(
      '{"status":"firing","labels":%s,"annotations":{"summary":"bench alert %s"},"fingerprint":"%s"}',
      labels, fp, fp)
  end
  return string.format('{"labels":%s,"annotations":{"summary":"bench alert %s"}}', labels, fp)
end

function request()
  if first == 0 then first = now() end
  sent = sent + 1
  local parts = {}
  for j = 1, batch do
    seq = seq + 1
    local name = (sent * nthreads + tid) % names
    if mix then name = (seq + tid) % names end
    parts[j] = alert(seq, name)
  end
  local body = "[" .. table.concat(parts, ",") .. "]"
  if fmt == "onwatch" then
    body = '{"version":"4","status":"firing","receiver":"bench","groupLabels":{},"alerts":' .. body .. '}'
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  answered = answered + 1
  if status < 200 or status > 299 then
    bad = bad + 1
    if bad <= 20 then bad_codes = bad_codes .. status .. " " end
  end
  if answered >= quota then
    last = now()
    local f = io.open(donefile .. "." .. tid, "w")
    f:write("done")
    f:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local rows = {}
  for _, t in ipairs(threads) do
    rows[#rows + 1] = string.format(
      '{"tid":%d,"quota":%d,"sent":%d,"answered":%d,"bad":%d,"bad_codes":"%s","first":%.6f,"last":%.6f}',
      t:get("tid"), t:get("quota"), t:get("sent"), t:get("answered"), t:get("bad"), t:get("bad_codes"),
      t:get("first"), t:get("last"))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"socket_errors":{"connect":%d,"read":%d,"write":%d,' ..
    '"timeout":%d},"status_errors":%d,"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d},"threads":[%s]}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(rows, ",")))
end
"""


def run_wrk(
    url: str,
    fmt: str,
    batch: int,
    requests: int,
    args: argparse.Namespace,
    workdir: Path,
    tag: str,
    prefix: str = "BenchAlert",
) -> dict[str, Any]:
    """Send `requests` POSTs of `batch` new alerts each (alertnames `prefix`0, `prefix`1, ...); return
    wrk's and the script's counters."""
    script = workdir / "alerts.lua"
    script.write_text(WRK_LUA)
    threads = max(1, min(args.connections, requests))
    marker = workdir / f"done-{tag}"
    cmd = [
        "wrk", "-t", str(threads), "-c", str(threads), "-d", f"{int(args.timeout)}s", "--timeout", "60s",
        "-s", str(script), url, "--",
        fmt, str(batch), str(requests), str(threads), tag, str(args.alertnames), str(marker),
        "1" if args.mixed_batches else "0", prefix,
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + args.timeout + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(workdir.glob(f"{marker.name}.*"))) >= threads:
            break
        time.sleep(0.02)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    line = next((x for x in out.splitlines() if x.startswith("BENCHJSON ")), None)
    if line is None:
        raise BenchError(f"wrk printed no results (exit {proc.returncode}):\n{out[-1500:]}\n{err[-1500:]}")
    data: dict[str, Any] = json.loads(line.removeprefix("BENCHJSON "))
    rows = data["threads"]
    answered = sum(t["answered"] for t in rows)
    wall = max(t["last"] for t in rows) - min(t["first"] for t in rows) if answered == requests else None
    bad = sum(t["bad"] for t in rows)
    socket_errors = sum(data["socket_errors"].values())
    return {
        "connections": threads,
        "requests_sent": sum(t["sent"] for t in rows),
        "requests_answered": answered,
        "complete": answered == requests and all(t["last"] > 0 for t in rows),
        "wall_s": wall,
        "non_2xx": bad,
        "non_2xx_codes": " ".join(t["bad_codes"] for t in rows).split()[:20],
        "socket_errors": data["socket_errors"],
        "errors": bad + socket_errors,
        "latency_ms": {k: v / 1000 for k, v in data["latency_us"].items()},
    }


def alerts_in_bodies(table: str) -> str:
    """A query of the alerts in the Alertmanager-format bodies stored in `table`'s `body` column."""
    return (
        "coalesce((SELECT sum(jsonb_array_length(convert_from(body, 'UTF8')::jsonb -> 'alerts')) "
        f"FROM {table}), 0)"
    )


def ingest_result(
    target: str, batch: int, requests: int, run: dict[str, Any], stored: int, warmup_alerts: int
) -> dict[str, Any]:
    alerts = requests * batch
    wall = run["wall_s"]
    return {
        "target": target,
        "batch": batch,
        "requests": requests,
        "alerts": alerts,
        "stored_alerts": stored,
        **run,
        "warmup_alerts": warmup_alerts,
        "alerts_per_s": alerts / wall if wall else None,
        "requests_per_s": requests / wall if wall else None,
    }


def check_ingest(r: dict[str, Any]) -> None:
    what = f"{r['target']} at {r['batch']}/request"
    if r["errors"]:
        raise BenchError(
            f"{what}: {r['non_2xx']} non-2xx answer(s) (codes {r['non_2xx_codes']}), "
            f"socket errors {r['socket_errors']}"
        )
    if not r["complete"]:
        raise BenchError(
            f"{what}: only {r['requests_answered']} of {r['requests']} requests answered in time"
        )
    if r["stored_alerts"] != r["alerts"]:
        raise BenchError(f"{what}: {r['stored_alerts']} alerts stored, {r['alerts']} sent")


def _warm_up(url: str, fmt: str, batch: int, args: argparse.Namespace, workdir: Path, tag: str) -> int:
    """Before the timed run, both targets take `--warmup-alerts` alerts the same way (other alertnames:
    other groups, which the timed run still opens): what is measured is a running server's rate, not
    its first requests' (connections opened, statements compiled). Returns the alerts sent."""
    requests = args.warmup_alerts // batch
    if requests < 1:
        return 0
    run = run_wrk(url, fmt, batch, requests, args, workdir, f"warm-{fmt}-{tag}", prefix="WarmAlert")
    if run["errors"] or not run["complete"]:
        raise BenchError(f"{fmt} warm-up at {batch}/request failed: {run}")
    return requests * batch


def phase_ingest(
    args: argparse.Namespace, workdir: Path, engine_flag: bool, sink: WebhookSink
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for batch in args.batches:
        requests = args.alerts // batch
        tag = f"b{batch}-{secrets.token_hex(3)}"
        print(f"[ingest] onwatch: {requests * batch} alerts, {batch}/request ...", flush=True)
        with prepared_database(args.pg_admin_url, sink, workdir) as url:
            env = clean_env(url, ONWATCH_PROCESSES=str(args.server_processes))
            with onwatch_server(
                env, workdir, f"ingest-{batch}", layout="api", engine_flag=engine_flag
            ) as base:
                warm = _warm_up(base + AM_PATH, "onwatch", batch, args, workdir, tag)
                before = int(scalar(url, "SELECT count(*) FROM alerts"))
                before_groups = int(scalar(url, "SELECT count(*) FROM alert_groups"))
                run = run_wrk(base + AM_PATH, "onwatch", batch, requests, args, workdir, f"ow-{tag}")
                # right after the last answer: every alert answered is grouped, its group's page queued
                applied = int(scalar(url, "SELECT count(*) FROM alerts")) - before
            groups = int(scalar(url, "SELECT count(*) FROM alert_groups")) - before_groups
        row = ingest_result("onwatch", batch, requests, run, applied, warm)
        row["groups"] = groups
        # accepted (answered 2xx) and applied (grouped, deduplicated, paging started) are one event
        row["applied_alerts"] = applied
        if run["wall_s"]:
            row["applied_alerts_per_s"] = applied / run["wall_s"]
        rows.append(row)
        check_ingest(row)
        rows.extend(_ceiling_runs(args, workdir, batch, requests, tag))
        print(f"[ingest] alertmanager: {requests * batch} alerts, {batch}/request ...", flush=True)
        with alertmanager(workdir, f"alertmanager-{batch}") as base:
            warm = _warm_up(base + "/api/v2/alerts", "alertmanager", batch, args, workdir, tag)
            before = len(httpx.get(f"{base}/api/v2/alerts", timeout=60).json())
            run = run_wrk(
                base + "/api/v2/alerts", "alertmanager", batch, requests, args, workdir, f"am-{tag}"
            )
            stored = len(httpx.get(f"{base}/api/v2/alerts", timeout=60).json()) - before
        rows.append(ingest_result("alertmanager", batch, requests, run, stored, warm))
        check_ingest(rows[-1])
    ratios = {}
    for batch in args.batches:
        of_batch = {r["target"]: r for r in rows if r["batch"] == batch}
        ow, am = of_batch["onwatch"], of_batch["alertmanager"]
        target = {1: 0.5, 100: 1.0}.get(batch)
        ratio = ow["alerts_per_s"] / am["alerts_per_s"]
        ratios[str(batch)] = {
            "ratio": ratio,
            # alerts grouped and paged, over the time until the last one was (Alertmanager's accepted)
            "applied_ratio": ow.get("applied_alerts_per_s", 0) / am["alerts_per_s"],
            "target": target,
            "met": None if target is None else ratio >= target,
            # what onwatch's own work costs (over the least a durable Python server does with the same
            # driver), and what is left for any durable Python server (each ceiling over Alertmanager,
            # which commits nothing)
            "onwatch_over_ceiling": ow["alerts_per_s"] / of_batch[CEILINGS["psycopg"]]["alerts_per_s"],
            "ceiling_over_alertmanager": {
                driver: of_batch[name]["alerts_per_s"] / am["alerts_per_s"]
                for driver, name in CEILINGS.items()
                if name in of_batch
            },
        }
    return {"runs": rows, "onwatch_over_alertmanager": ratios}


CEILINGS = {"psycopg": "python-ceiling", "asyncpg": "python-ceiling-asyncpg"}  # driver: target name


def _ceiling_runs(
    args: argparse.Namespace, workdir: Path, batch: int, requests: int, tag: str
) -> list[dict[str, Any]]:
    """The same load on bench/alerts/ceiling.py (each body committed before the 202, nothing else),
    with each driver that is installed."""
    rows = []
    for driver, name in CEILINGS.items():
        if importlib.util.find_spec(driver) is None:
            print(f"[ingest] {name}: skipped ({driver} is not installed)", flush=True)
            continue
        print(f"[ingest] {name}: {requests * batch} alerts, {batch}/request ...", flush=True)
        with (
            postgres_database(args.pg_admin_url) as url,
            ceiling_server(url, workdir, f"{name}-{batch}", driver) as base,
        ):
            warm = _warm_up(base + AM_PATH, "onwatch", batch, args, workdir, f"{name}-{tag}")
            run = run_wrk(base + AM_PATH, "onwatch", batch, requests, args, workdir, f"{name}-{tag}")
            stored = int(scalar(url, f"SELECT {alerts_in_bodies(CEILING_TABLE)}")) - warm
        row = ingest_result(name, batch, requests, run, stored, warm)
        check_ingest(row)
        rows.append(row)
    return rows


def print_ingest(result: dict[str, Any]) -> None:
    print(
        f"\n{'target':<24}{'batch':>6}{'requests':>9}{'alerts':>8}{'wall s':>8}{'alerts/s':>10}{'req/s':>9}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}"
    )
    for r in result["runs"]:
        print(
            f"{r['target']:<24}{r['batch']:>6}{r['requests']:>9}{r['alerts']:>8}{r['wall_s'] or 0:>8.2f}"
            f"{r['alerts_per_s'] or 0:>10.0f}{r['requests_per_s'] or 0:>9.0f}{r['latency_ms']['p50']:>8.1f}"
            f"{r['latency_ms']['p99']:>8.1f}{r['errors']:>7}"
        )
    for batch, r in result["onwatch_over_alertmanager"].items():
        verdict = (
            "" if r["target"] is None else f" (target >= {r['target']}: {'met' if r['met'] else 'NOT met'})"
        )
        print(
            f"onwatch/Alertmanager alerts/s at {batch}/request: accepted {r['ratio']:.2f}{verdict}; "
            f"applied (grouped and paged) {r['applied_ratio']:.2f}"
        )
        ceilings = ", ".join(
            f"{CEILINGS[driver]}/Alertmanager {x:.2f}" for driver, x in r["ceiling_over_alertmanager"].items()
        )
        print(
            f"  at {batch}/request: onwatch/{CEILINGS['psycopg']} {r['onwatch_over_ceiling']:.2f}; "
            f"{ceilings} (a Python server that commits each body before answering, and does nothing else)"
        )
