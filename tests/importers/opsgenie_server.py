"""A local HTTP server that answers like Opsgenie's REST API v2, as its documentation describes it:

- Auth: every request carries `Authorization: GenieKey <api key>`; a missing or wrong key is
  401 `{"message": "Could not authenticate", "took": 0.0, "requestId": "..."}`.
- Errors: `{"message": ..., "took": ..., "requestId": ...}` (404 "... not found"); rate limits are
  429 with that body, `X-RateLimit-State: THROTTLED` and `Retry-After` (seconds).
- Answers: `{"data": ..., "took": ..., "requestId": ...}`. Paged lists (`GET /v2/users`) take
  `offset` and `limit` (default 20, at most 500) and answer `totalCount` and
  `paging: {first, last, next?}` (absolute URLs, `next` absent on the last page).
- `GET /v2/users`, `/v2/users/{id}/contacts` (`{id, method: email|sms|voice|mobile, to,
  status: {enabled}}`; phone numbers written `<country code>-<number>`),
  `/v2/users/{id}/notification-rules` (summaries: `{id, name, actionType, order, enabled}`) and
  `/v2/users/{id}/notification-rules/{ruleId}` (in full: `criteria`, `timeRestriction`,
  `steps: [{id, sendAfter: {timeAmount, timeUnit}, contact: {method, to}, enabled}]`, `repeat`).
- `GET /v2/teams` (summaries) and `/v2/teams/{id}` (`members: [{user: {id, username}, role}]`).
- `GET /v2/schedules?expand=rotation`: `{id, name, timezone, enabled, ownerTeam, rotations:
  [{id, name, order, startDate, endDate?, type: hourly|daily|weekly, length, participants:
  [{type: user|team|escalation|none, id, username}], timeRestriction?}]}`. A time restriction is
  `{type: time-of-day, restriction: {startHour, startMin, endHour, endMin}}` (an end at or before
  the start runs past midnight) or `{type: weekday-and-time-of-day, restrictions: [{startDay,
  startHour, startMin, endDay, endHour, endMin}]}` (days spelled `monday` ...).
- `GET /v2/schedules/{id}/overrides`: `[{alias, user: {type, id, username}, startDate, endDate,
  rotations: [{id, name}]}]` (no rotations: the whole schedule).
- `GET /v2/schedules/{id}/timeline?date=&interval=&intervalUnit=days|weeks|months`:
  `{startDate, endDate, finalTimeline: {rotations: [{id, name, order, periods: [{startDate,
  endDate, type: default|override, recipient: {type: user, id, name}}]}]}}`, rendered by
  `opsgenie_timeline` (written apart from the importer, so --verify compares two implementations).
- `GET /v2/schedules/{identifier}/on-calls?scheduleIdentifierType=id|name&flat=&date=` (Who is On
  Call API; `date` as `yyyy-MM-dd'T'HH:mm:ssZ`, default the moment of the request): `{_parent: {id,
  name, enabled}, onCallParticipants: [{id, name, type: user}]}`, or with `flat=true` `{_parent,
  onCallRecipients: [username, ...]}`; who is on call is `opsgenie_timeline.on_calls`, unless
  `on_call_planted` says otherwise for that schedule and instant (a source whose timeline and
  who-is-on-call disagree). `GET /v2/schedules/on-calls?flat=&date=` (List On Calls) answers the
  same for every schedule at once: `[{_parent, onCallParticipants}, ...]`.
- `GET /v2/escalations`: `[{id, name, ownerTeam, rules: [{condition: if-not-acked|if-not-closed,
  notifyType, delay: {timeAmount, timeUnit}, recipient: {type: user|schedule|team, id, ...}}],
  repeat: {waitInterval, count, resetRecipientStates, closeAlertAfterAll}}]` (delays count from
  the alert's creation).
- `GET /v2/integrations` (`{id, name, type, enabled, teamId}`) and `/v2/integrations/{id}` (in
  full, with `ownerTeam` and, for API-based integrations, `apiKey`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlencode

from tests.importers.local_api import Answer, Throttle, serve
from tests.importers.opsgenie_timeline import on_calls, timeline

Obj = dict[str, Any]
MAX_LIMIT = 500


@dataclass
class OpsgenieData:
    api_key: str = "a1b2c3d4-0000-4000-8000-0123456789ab"
    users: list[Obj] = field(default_factory=list)
    contacts: dict[str, list[Obj]] = field(default_factory=dict)
    notification_rules: dict[str, list[Obj]] = field(default_factory=dict)  # in full
    teams: list[Obj] = field(default_factory=list)  # in full (with members)
    schedules: list[Obj] = field(default_factory=list)  # with rotations
    overrides: dict[str, list[Obj]] = field(default_factory=dict)
    escalations: list[Obj] = field(default_factory=list)
    integrations: list[Obj] = field(default_factory=list)  # in full
    throttle: Throttle = field(default_factory=Throttle)
    # (schedule id, date, interval) -> rendered timeline, so a benchmark times onwatch, not this server
    timeline_cache: dict[tuple[str, str, int], Obj] = field(default_factory=dict)
    # (schedule id, from, to, user ids): who-is-on-call answers these users then, whatever the timeline says
    on_call_planted: list[tuple[str, datetime, datetime, list[str]]] = field(default_factory=list)


def _body(data: Any) -> Obj:
    return {"data": data, "took": 0.004, "requestId": str(uuid.uuid4())}


def _error(status: int, message: str) -> Answer:
    return status, {"message": message, "took": 0.001, "requestId": str(uuid.uuid4())}, {}


def _summary(obj: Obj, keys: tuple[str, ...]) -> Obj:
    return {k: obj[k] for k in keys if k in obj}


class _Routes:
    def __init__(self, data: OpsgenieData) -> None:
        self.d = data

    def __call__(self, path: str, query: dict[str, str], headers: Any, base: str) -> Answer:
        d = self.d
        if headers.get("Authorization") != f"GenieKey {d.api_key}":
            return _error(401, "Could not authenticate")
        users = {u["id"]: u for u in d.users}
        if path == "/v2/users":
            return self._page(path, d.users, query, base)
        if m := re.fullmatch(r"/v2/users/([^/]+)/contacts", path):
            if m.group(1) not in users:
                return _error(404, "User not found")
            return 200, _body(d.contacts.get(m.group(1), [])), {}
        if m := re.fullmatch(r"/v2/users/([^/]+)/notification-rules(?:/([^/]+))?", path):
            if m.group(1) not in users:
                return _error(404, "User not found")
            rules = d.notification_rules.get(m.group(1), [])
            if m.group(2) is None:
                keys = ("id", "name", "actionType", "order", "enabled")
                return 200, _body([_summary(r, keys) for r in rules]), {}
            for r in rules:
                if r["id"] == m.group(2):
                    return 200, _body(r), {}
            return _error(404, "Notification rule not found")
        if path == "/v2/teams":
            return 200, _body([_summary(t, ("id", "name", "description")) for t in d.teams]), {}
        if m := re.fullmatch(r"/v2/teams/([^/]+)", path):
            return self._find(d.teams, m.group(1), "Team")
        if path == "/v2/schedules":
            expand = query.get("expand") == "rotation"
            listed = [s if expand else {k: v for k, v in s.items() if k != "rotations"} for s in d.schedules]
            return 200, {**_body(listed), "expandable": ["rotation"]}, {}
        if path == "/v2/schedules/on-calls":
            answers = [self._on_calls(schedule, query) for schedule in d.schedules]
            if bad := next((a for a in answers if a[0] != 200), None):
                return bad
            return 200, _body([a[1]["data"] for a in answers]), {}
        if m := re.fullmatch(r"/v2/schedules/([^/]+)/(overrides|timeline|on-calls)", path):
            kind = query.get("scheduleIdentifierType", "id")
            if kind not in ("id", "name"):
                return _error(422, "scheduleIdentifierType must be one of id, name")
            schedule = next((s for s in d.schedules if s[kind] == unquote(m.group(1))), None)
            if schedule is None:
                return _error(404, "Schedule not found")
            if m.group(2) == "on-calls":
                return self._on_calls(schedule, query)
            if m.group(2) == "overrides":
                return 200, _body(d.overrides.get(schedule["id"], [])), {}
            return self._timeline(schedule, query)
        if path == "/v2/escalations":
            return 200, _body(d.escalations), {}
        if path == "/v2/integrations":
            keys = ("id", "name", "type", "enabled", "teamId")
            listed = [
                {**_summary(i, keys), "teamId": (i.get("ownerTeam") or {}).get("id")} for i in d.integrations
            ]
            return 200, _body(listed), {}
        if m := re.fullmatch(r"/v2/integrations/([^/]+)", path):
            return self._find(d.integrations, m.group(1), "Integration")
        return _error(404, "Not found")

    def _find(self, items: list[Obj], oid: str, what: str) -> Answer:
        for item in items:
            if item["id"] == oid:
                return 200, _body(item), {}
        return _error(404, f"{what} not found")

    def _timeline(self, schedule: Obj, query: dict[str, str]) -> Answer:
        unit = {"days": 1, "weeks": 7, "months": 30}.get(query.get("intervalUnit", "weeks"))
        if unit is None:
            return _error(422, "intervalUnit must be one of days, weeks, months")
        days = int(query.get("interval", 1)) * unit
        start = datetime.fromisoformat(query["date"])
        key = (schedule["id"], start.isoformat(), days)
        rendered = self.d.timeline_cache.get(key) or timeline(
            schedule, start, start + timedelta(days=days), self.d.overrides.get(schedule["id"], [])
        )
        return 200, _body(rendered), {}

    def _on_calls(self, schedule: Obj, query: dict[str, str]) -> Answer:
        try:
            at = datetime.fromisoformat(query["date"].replace("Z", "+00:00")) if "date" in query else None
        except ValueError:
            return _error(422, "date must be written yyyy-MM-dd'T'HH:mm:ssZ")
        if at is not None and at.tzinfo is None:
            return _error(422, "date must be written yyyy-MM-dd'T'HH:mm:ssZ")
        at = at or datetime.now(UTC)
        participants = on_calls(schedule, at, self.d.overrides.get(schedule["id"], []))
        planted = next(
            (p[3] for p in self.d.on_call_planted if p[0] == schedule["id"] and p[1] <= at < p[2]), None
        )
        if planted is not None:
            names = {u["id"]: u["username"] for u in self.d.users}
            participants = [{"id": u, "name": names.get(u), "type": "user"} for u in planted]
        parent = {"id": schedule["id"], "name": schedule["name"], "enabled": schedule.get("enabled", True)}
        if query.get("flat") == "true":
            return 200, _body({"_parent": parent, "onCallRecipients": [p["name"] for p in participants]}), {}
        return 200, _body({"_parent": parent, "onCallParticipants": participants}), {}

    def _page(self, path: str, items: list[Obj], query: dict[str, str], base: str) -> Answer:
        offset = int(query.get("offset", 0))
        limit = min(int(query.get("limit", 20)), MAX_LIMIT)
        page = items[offset : offset + limit]

        def link(at: int) -> str:
            return f"{base}{path}?{urlencode({'limit': limit, 'offset': at, 'order': 'ASC', 'sort': 'username'})}"

        paging = {"first": link(0), "last": link(max(0, (len(items) - 1) // limit * limit))}
        if offset + limit < len(items):
            paging["next"] = link(offset + limit)
        return 200, {**_body(page), "totalCount": len(items), "paging": paging}, {}


TOO_MANY = {
    "message": "You are making too many requests! To avoid errors, we recommend you limit requests.",
    "took": 0.0,
    "requestId": "00000000-0000-4000-8000-000000000429",
}


@contextmanager
def opsgenie_server(data: OpsgenieData) -> Iterator[str]:
    """Serve `data` on a free local port; yields the base URL."""
    with serve(_Routes(data), data.throttle, TOO_MANY, {"X-RateLimit-State": "THROTTLED"}) as url:
        yield url
