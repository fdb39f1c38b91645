"""A local HTTP server that answers like Grafana OnCall's public API v1, as its documentation
describes it:

- Auth: `Authorization: <API token>` (the token itself, no scheme); a missing or wrong token is
  401 `{"detail": "Invalid token."}`. Errors are Django REST framework bodies `{"detail": ...}`
  (404 "Not found."); a throttled request is 429 `{"detail": "Request was throttled. Expected
  available in N seconds."}` with `Retry-After: N`.
- Lists are paginated: `{"count", "next", "previous", "results", "page_size",
  "current_page_number", "total_pages"}`; `next` is the absolute URL of the next page
  (`?page=2`), null on the last one. Paths end with a slash.
- `GET /api/v1/users/`: `{id, email, slack, username, role: admin|editor|viewer, timezone,
  teams: [team id]}`; `/api/v1/teams/`: `{id, name, email, avatar_url}`.
- `GET /api/v1/personal_notification_rules/`: `{id, user_id, position, important, type:
  wait|notify_by_email|notify_by_sms|notify_by_phone_call|notify_by_slack|notify_by_telegram|
  notify_by_mobile_app|..., duration (seconds, for wait)}`.
- `GET /api/v1/schedules/`: `{id, team_id, name, type: web|ical|calendar, time_zone,
  on_call_now, shifts: [shift id], ical_url_primary, ical_url_overrides}`.
- `GET /api/v1/on_call_shifts/`: `{id, team_id, name, type: rolling_users|recurrent_event|
  single_event|override, time_zone (null: UTC), level, start (a wall time, no offset), duration
  (seconds), rotation_start, frequency: hourly|daily|weekly|monthly, interval, until, week_start,
  by_day: [MO..SU], by_month, by_monthday, rolling_users: [[user id]], users: [user id],
  start_rotation_from_user_index}`.
- `GET /api/v1/escalation_chains/`: `{id, team_id, name}`; `/api/v1/escalation_policies/`:
  `{id, escalation_chain_id, position, type: wait|notify_persons|notify_person_next_each_time|
  notify_on_call_from_schedule|repeat_escalation|..., duration, important, persons_to_notify,
  persons_to_notify_next_each_time, notify_on_call_from_schedule}`.
- `GET /api/v1/integrations/`: `{id, name, team_id, link, type: alertmanager|grafana_alerting|
  webhook|..., default_route: {id, escalation_chain_id}}` (`link` ends with the integration's
  secret token).
- `GET /api/v1/schedules/{id}/final_shifts/?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD`
  (both dates included, UTC): `{user_pk, user_email, user_username, shift_start, shift_end}`,
  rendered by `grafana_oncall_render` (written apart from the importer).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.importers.grafana_oncall_render import final_shifts
from tests.importers.local_api import Answer, Throttle, serve

Obj = dict[str, Any]
PAGE_SIZE = 50


@dataclass
class GrafanaOnCallData:
    token: str = "glsa_oncall_0123456789abcdef"
    users: list[Obj] = field(default_factory=list)
    teams: list[Obj] = field(default_factory=list)
    notification_rules: list[Obj] = field(default_factory=list)
    schedules: list[Obj] = field(default_factory=list)
    shifts: list[Obj] = field(default_factory=list)
    escalation_chains: list[Obj] = field(default_factory=list)
    escalation_policies: list[Obj] = field(default_factory=list)
    integrations: list[Obj] = field(default_factory=list)
    throttle: Throttle = field(default_factory=Throttle)
    # (schedule id, start date, end date) -> rendered final shifts (a benchmark times onwatch)
    final_cache: dict[tuple[str, str, str], list[Obj]] = field(default_factory=dict)


def _error(status: int, detail: str) -> Answer:
    return status, {"detail": detail}, {}


class _Routes:
    def __init__(self, data: GrafanaOnCallData) -> None:
        self.d = data

    def __call__(self, path: str, query: dict[str, str], headers: Any, base: str) -> Answer:
        d = self.d
        if headers.get("Authorization") != d.token:
            return _error(401, "Invalid token.")
        lists = {
            "/api/v1/users/": d.users,
            "/api/v1/teams/": d.teams,
            "/api/v1/personal_notification_rules/": d.notification_rules,
            "/api/v1/schedules/": d.schedules,
            "/api/v1/on_call_shifts/": d.shifts,
            "/api/v1/escalation_chains/": d.escalation_chains,
            "/api/v1/escalation_policies/": d.escalation_policies,
            "/api/v1/integrations/": d.integrations,
        }
        if path in lists:
            return self._page(path, lists[path], query, base)
        if m := re.fullmatch(r"/api/v1/schedules/([^/]+)/final_shifts/?", path):
            schedule = next((s for s in d.schedules if s["id"] == m.group(1)), None)
            if schedule is None:
                return _error(404, "Not found.")
            try:
                first, last = date.fromisoformat(query["start_date"]), date.fromisoformat(query["end_date"])
            except (KeyError, ValueError):
                return (
                    400,
                    {"start_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
                    {},
                )
            key = (schedule["id"], first.isoformat(), last.isoformat())
            if key not in d.final_cache:
                start = datetime.combine(first, time(0), tzinfo=UTC)
                end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)
                d.final_cache[key] = final_shifts(
                    schedule, d.shifts, {u["id"]: u for u in d.users}, start, end
                )
            return self._page(path, d.final_cache[key], query, base)
        return _error(404, "Not found.")

    def _page(self, path: str, items: list[Obj], query: dict[str, str], base: str) -> Answer:
        page = int(query.get("page", 1))
        total = max(1, -(-len(items) // PAGE_SIZE))
        if page < 1 or page > total:
            return _error(404, "Invalid page.")
        rest = {k: v for k, v in query.items() if k != "page"}

        def link(n: int) -> str:
            return f"{base}{path}?{urlencode({**rest, 'page': n})}"

        return (
            200,
            {
                "count": len(items),
                "next": link(page + 1) if page < total else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
                "page_size": PAGE_SIZE,
                "current_page_number": page,
                "total_pages": total,
            },
            {},
        )


TOO_MANY = {"detail": "Request was throttled. Expected available in 7 seconds."}


@contextmanager
def grafana_oncall_server(data: GrafanaOnCallData) -> Iterator[str]:
    """Serve `data` on a free local port; yields the base URL."""
    with serve(_Routes(data), data.throttle, TOO_MANY) as url:
        yield url
