"""A local HTTP server that answers like PagerDuty's REST API v2 (as its published OpenAPI describes):
token auth with a 401 error body, offset/limit/more pagination, 429 with Retry-After on demand."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.importers.pagerduty_oncalls import oncalls
from tests.importers.pagerduty_v3 import final_schedule

Obj = dict[str, Any]
MAX_LIMIT = 100


@dataclass
class PagerDutyData:
    token: str = "u+test-token-1234"
    users: list[Obj] = field(default_factory=list)
    contact_methods: dict[str, list[Obj]] = field(default_factory=dict)
    notification_rules: dict[str, list[Obj]] = field(default_factory=dict)
    teams: list[Obj] = field(default_factory=list)
    team_members: dict[str, list[Obj]] = field(default_factory=dict)
    schedules: list[Obj] = field(default_factory=list)
    escalation_policies: list[Obj] = field(default_factory=list)
    services: list[Obj] = field(default_factory=list)
    # v3 schedules; a rotation's "_events" are served only by its events endpoint
    schedules_v3: list[Obj] = field(default_factory=list)
    # path prefix -> how many requests to refuse with 429 before answering, and the Retry-After sent
    rate_limited: dict[str, int] = field(default_factory=dict)
    retry_after: str = "7"
    requests: list[str] = field(default_factory=list)
    # schedule id -> PagerDuty overrides (start, end, user id), which only /oncalls shows
    overrides: dict[str, list[tuple[datetime, datetime, str]]] = field(default_factory=dict)
    # (schedule id, since, until) -> rendered entries, so a benchmark times onwatch, not this server
    oncall_cache: dict[tuple[str, str, str], list[Obj]] = field(default_factory=dict)


def _error(status: int, message: str, code: int) -> tuple[int, Obj, dict[str, str]]:
    return status, {"error": {"message": message, "code": code}}, {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API
    disable_nagle_algorithm = True
    data: PagerDutyData
    lock: threading.Lock

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:
        status, body, headers = self._answer()
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def _answer(self) -> tuple[int, Obj, dict[str, str]]:
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        d = self.data
        with self.lock:
            d.requests.append(url.path)
            for prefix, left in d.rate_limited.items():
                if url.path.startswith(prefix) and left > 0:
                    d.rate_limited[prefix] = left - 1
                    status, body, _ = _error(429, "Rate Limit Exceeded", 2020)
                    return status, body, {"Retry-After": d.retry_after}
        if self.headers.get("Authorization") != f"Token token={d.token}":
            return _error(401, "Unauthorized", 2006)
        lists: dict[str, tuple[str, list[Obj]]] = {
            "/users": ("users", d.users),
            "/teams": ("teams", d.teams),
            "/schedules": (
                "schedules",
                [{k: v for k, v in s.items() if k != "schedule_layers"} for s in d.schedules],
            ),
            "/escalation_policies": ("escalation_policies", d.escalation_policies),
            "/services": ("services", d.services),
        }
        if url.path.startswith("/v3/"):
            return self._v3(url.path, query)
        if url.path == "/oncalls":
            return self._page("oncalls", self._oncalls(query), query)
        if url.path in lists:
            return self._page(*lists[url.path], query)
        if m := re.fullmatch(r"/users/([A-Z0-9]+)/(contact_methods|notification_rules)", url.path):
            source = d.contact_methods if m.group(2) == "contact_methods" else d.notification_rules
            if m.group(1) not in source:
                return _error(404, "Not Found", 2100)
            return self._page(m.group(2), source[m.group(1)], query)
        if m := re.fullmatch(r"/teams/([A-Z0-9]+)/members", url.path):
            return self._page("members", d.team_members.get(m.group(1), []), query)
        if m := re.fullmatch(r"/schedules/([A-Z0-9]+)/overrides", url.path):
            return 200, {"overrides": self._overrides(m.group(1), query)}, {}
        if m := re.fullmatch(r"/schedules/([A-Z0-9]+)", url.path):
            for s in d.schedules:
                if s["id"] == m.group(1):
                    return 200, {"schedule": s}, {}
            return _error(404, "Not Found", 2100)
        return _error(404, "Not Found", 2100)

    def _v3(self, path: str, query: dict[str, str]) -> tuple[int, Obj, dict[str, str]]:
        """The v3 Schedules API (early access: it answers only with its X-Early-Access header)."""
        if not self.data.schedules_v3:
            return _error(404, "Not Found", 2100)
        if not self.headers.get("X-Early-Access"):
            return _error(400, "X-Early-Access header required", 2001)
        by_id = {s["id"]: s for s in self.data.schedules_v3}
        if path == "/v3/schedules":
            refs = [
                {"id": s["id"], "type": "schedule_reference", "summary": s["name"]}
                for s in self.data.schedules_v3
            ]
            return self._page("schedules", refs, query)
        m = re.fullmatch(r"/v3/schedules/([A-Z0-9]+)(?:/(overrides)|/rotations/([A-Z0-9]+)/events)?", path)
        if m is None or m.group(1) not in by_id:
            return _error(404, "Not Found", 2100)
        schedule = by_id[m.group(1)]
        if m.group(3):
            rotation = next((r for r in schedule["rotations"] if r["id"] == m.group(3)), None)
            if rotation is None:
                return _error(404, "Not Found", 2100)
            return self._page("events", rotation.get("events") or rotation.get("_events") or [], query)
        if m.group(2):
            since, until = datetime.fromisoformat(query["since"]), datetime.fromisoformat(query["until"])
            found = [
                {
                    "id": f"OV{i:03d}", "type": "override_shift", "rotation_id": schedule["rotations"][0]["id"],
                    "start_time": a.isoformat(), "end_time": b.isoformat(),
                    "overridden_member": {"type": "user_member", "user_id": "PUNKNOWN"},
                    "overriding_member": {"type": "user_member", "user_id": u},
                }
                for i, (a, b, u) in enumerate(self.data.overrides.get(schedule["id"], []))
                if a < until and since < b
            ]  # fmt: skip
            return self._page("overrides", found, query)
        shown = {
            **schedule,
            "rotations": [{k: v for k, v in r.items() if k != "_events"} for r in schedule["rotations"]],
        }
        if query.get("include[]") == "final_schedule":
            since, until = datetime.fromisoformat(query["since"]), datetime.fromisoformat(query["until"])
            full = {
                **schedule,
                "rotations": [
                    {**r, "events": r.get("events") or r.get("_events")} for r in schedule["rotations"]
                ],
            }
            assignments = final_schedule(full, since, until, self.data.overrides.get(schedule["id"], []))
            shown["final_schedule"] = {"type": "final_schedule", "computed_shift_assignments": assignments}
        return 200, {"schedule": shown}, {}

    def _overrides(self, schedule_id: str, query: dict[str, str]) -> list[Obj]:
        """GET /schedules/{id}/overrides: the overrides overlapping [since, until) (both required)."""
        since, until = datetime.fromisoformat(query["since"]), datetime.fromisoformat(query["until"])
        return [
            {
                "id": f"PO{schedule_id[-3:]}{i:03d}",
                "start": start.isoformat(),
                "end": end.isoformat(),
                "user": {"id": user, "type": "user_reference", "summary": user},
            }
            for i, (start, end, user) in enumerate(self.data.overrides.get(schedule_id, []))
            if start < until and since < end
        ]

    def _oncalls(self, query: dict[str, str]) -> list[Obj]:
        """One entry per escalation policy level that targets the schedule (as PagerDuty does)."""
        since, until = datetime.fromisoformat(query["since"]), datetime.fromisoformat(query["until"])
        out: list[Obj] = []
        for schedule in self.data.schedules:
            if schedule["id"] != query.get("schedule_ids[]"):
                continue
            key = (schedule["id"], query["since"], query["until"])
            entries = self.data.oncall_cache.get(key) or oncalls(
                schedule, since, until, self.data.overrides.get(schedule["id"], [])
            )
            for policy in self.data.escalation_policies:
                for level, rule in enumerate(policy["escalation_rules"], start=1):
                    if any(t["id"] == schedule["id"] for t in rule["targets"]):
                        ref = {"id": policy["id"], "type": "escalation_policy_reference"}
                        out += [{**e, "escalation_policy": ref, "escalation_level": level} for e in entries]
        return out

    def _page(self, key: str, items: list[Obj], query: dict[str, str]) -> tuple[int, Obj, dict[str, str]]:
        offset = int(query.get("offset", 0))
        limit = min(int(query.get("limit", 25)), MAX_LIMIT)
        page = items[offset : offset + limit]
        more = offset + limit < len(items)
        return 200, {key: page, "offset": offset, "limit": limit, "more": more, "total": None}, {}


@contextmanager
def pagerduty_server(data: PagerDutyData) -> Iterator[str]:
    """Serve `data` on a free local port; yields the base URL."""
    handler = type("Handler", (_Handler,), {"data": data, "lock": threading.Lock()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
