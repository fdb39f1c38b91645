"""Pure mapping rules: PagerDuty API v2 objects -> onwatch config sections (plain YAML-ready dicts).

Each function returns what onwatch can express plus an `Unsupported` for everything it cannot, so the
import report lists every loss instead of dropping it silently.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onwatch.importers.integrations import OldIntegration
from onwatch.importers.overrides import ImportedOverride, coming
from onwatch.importers.report import Unsupported

Obj = dict[str, Any]
_WEEK_MINUTES = 7 * 1440
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PHONE_TYPES = {"phone_contact_method": "voice", "sms_contact_method": "sms"}


def _delay(minutes: int) -> str:
    return f"{int(minutes)}m"


def _zone(name: object) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return str(name)


def contact_target(method: Obj) -> tuple[Obj | None, str | None]:
    """An onwatch contact method target for a PagerDuty contact method, or why there is none."""
    kind = str(method.get("type", "")).removesuffix("_reference")
    if kind == "email_contact_method":
        return {"type": "email", "address": str(method.get("address", ""))}, None
    if kind in _PHONE_TYPES:
        number = f"+{method.get('country_code', '')}{str(method.get('address', '')).lstrip('0')}"
        return {"type": _PHONE_TYPES[kind], "number": number}, None
    if kind == "push_notification_contact_method":
        return None, "push notifications to the PagerDuty app cannot be delivered by onwatch"
    return None, f"contact method type {kind!r} has no onwatch equivalent"


def map_contact_methods(
    user_id: str, methods: list[Obj], rules: list[Obj]
) -> tuple[list[Obj], list[Unsupported]]:
    """Notification rules become contact methods with their delays kept exactly.

    A method ruled for both urgencies (at the same delay) carries every page; a high-only rule
    becomes `urgency: high`; a low-only rule has no onwatch equivalent and is kept for every page
    (listed)."""
    by_id = {str(m.get("id")): m for m in methods}
    urgencies: dict[tuple[str, int], set[str]] = defaultdict(set)
    lost: list[Unsupported] = []
    for rule in rules:
        ref: Obj = rule.get("contact_method") or {}
        delay = int(rule.get("start_delay_in_minutes", 0))
        urgencies[(str(ref.get("id")), delay)].add(str(rule.get("urgency", "high")))
    out: list[Obj] = []
    for (mid, delay), urg in sorted(urgencies.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        where = f"users.{user_id}.notification_rules[{mid}@{delay}m]"
        method = by_id.get(mid, {"id": mid, "type": "unknown"})
        target, why = contact_target(method)
        if target is None:
            lost.append(Unsupported(where, str(why)))
            continue
        entry: Obj = {**target, "delay": _delay(delay)}
        if urg == {"high"}:
            entry["urgency"] = "high"
        elif urg == {"low"}:
            lost.append(
                Unsupported(
                    where, "a low-urgency-only rule: onwatch uses this method for high-urgency pages too"
                )
            )
        out.append(entry)
    return out, lost


def map_user(user: Obj, methods: list[Obj], rules: list[Obj]) -> tuple[Obj, list[Unsupported]]:
    contact, lost = map_contact_methods(str(user["id"]), methods, rules)
    person: Obj = {
        "name": str(user.get("name") or user.get("email")),
        "email": str(user["email"]),
        "timezone": _zone(user.get("time_zone", "UTC")),
    }
    if contact:
        person["contact_methods"] = contact
    if user.get("role") in ("admin", "owner"):
        person["access"] = "admin"
    return person, lost


def map_team(team: Obj, members: list[Obj], people: dict[str, str]) -> Obj:
    ids = [people[str(m["user"]["id"])] for m in members if str(m.get("user", {}).get("id")) in people]
    return {"name": str(team.get("name") or team["id"]), "members": sorted(set(ids))}


def _shift(seconds: int) -> str:
    """A turn length as onwatch writes shifts: 7d, 12h or 90m."""
    for unit, size in (("d", 86400), ("h", 3600)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


def _hhmm(minutes: int) -> str:
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def restriction_windows(restrictions: list[Obj]) -> list[Obj]:
    """PagerDuty restrictions as onwatch windows (each at most a day long, in the schedule's zone).

    A daily restriction is one window every day; a weekly one starts on its day (1 = Monday) and may
    run for days: it is cut at midnights into one window per day."""
    pieces: list[tuple[int, int]] = []  # (start minute in the week, length)
    for r in restrictions:
        h, m, *_ = (int(x) for x in str(r.get("start_time_of_day", "00:00:00")).split(":"))
        start = h * 60 + m
        length = int(r.get("duration_seconds", 0)) // 60
        if r.get("type") == "daily_restriction":
            pieces += [(d * 1440 + start, min(length, 1440)) for d in range(7)]
            continue
        begin = (int(r.get("start_day_of_week", 1)) - 1) * 1440 + start
        pos, left = begin, min(length, _WEEK_MINUTES)
        while left > 0:
            pos %= _WEEK_MINUTES
            take = min(left, 1440 - pos % 1440)
            pieces.append((pos, take))
            pos, left = pos + take, left - take
    grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for start, length in sorted(set(pieces)):
        day = start // 1440
        if day not in grouped[(_hhmm(start), _hhmm(start + length))]:
            grouped[(_hhmm(start), _hhmm(start + length))].append(day)
    return [
        {
            "from": since,
            "to": "24:00" if until == "00:00" else until,
            "days": [_DAYS[d] for d in sorted(days)],
        }
        for (since, until), days in sorted(grouped.items(), key=lambda kv: (min(kv[1]), kv[0]))
    ]


def map_schedule(
    schedule: Obj, people: dict[str, str], now: datetime
) -> tuple[Obj | None, list[Unsupported]]:
    """A PagerDuty v2 schedule (layers, restrictions, rotation virtual start) as an onwatch schedule.

    PagerDuty lists layers top first; onwatch lists them bottom first. Layers that ended before
    `now` are history and left out; a layer that starts or ends later is listed (onwatch layers
    have no start or end)."""
    sid = str(schedule["id"])
    zone_name = _zone(schedule.get("time_zone", "UTC"))
    zone = ZoneInfo(zone_name)
    lost: list[Unsupported] = []
    layers: list[Obj] = []
    for i, layer in enumerate(schedule.get("schedule_layers") or []):
        where = f"schedules.{sid}.schedule_layers[{i}]"
        name = str(layer.get("name") or f"Layer {i + 1}")
        end = parse_time(layer.get("end"))
        if end is not None and end <= now:
            continue
        start = parse_time(layer.get("start"))
        if start is not None and start > now:
            lost.append(
                Unsupported(where, f"layer {name!r} starts at {start.isoformat()}: imported as if started")
            )
        if end is not None:
            lost.append(
                Unsupported(where, f"layer {name!r} ends at {end.isoformat()}: imported without an end")
            )
        turn = int(layer.get("rotation_turn_length_seconds", 0))
        if turn < 3600 or turn % 60:
            lost.append(
                Unsupported(where, f"turns of {turn}s: onwatch shifts are whole minutes, at least 1h")
            )
            continue
        members = [str(u.get("user", {}).get("id")) for u in layer.get("users") or []]
        missing = [m for m in members if m not in people]
        if missing or not members:
            lost.append(Unsupported(where, f"layer {name!r} has members that were not imported: {missing}"))
            continue
        virtual = parse_time(layer.get("rotation_virtual_start")) or start or now
        local = _rotation_origin(virtual, min(start or now, now), turn * len(members), zone)
        entry: Obj = {
            "name": name[:100],
            "rotation": {
                "members": [people[m] for m in members],
                "shift": _shift(turn),
                "handoff": local.strftime("%H:%M"),
                "timezone": zone_name,
                "start": local.date().isoformat(),
            },
        }
        if zone_name != "UTC":  # PagerDuty hands over an hour later on a night that skips the time
            entry["rotation"]["allow_dst_gap"] = True
        windows = restriction_windows(layer.get("restrictions") or [])
        if windows:
            entry["windows"] = windows
        layers.append(entry)
    if not layers:
        lost.append(
            Unsupported(f"schedules.{sid}", "no current layer onwatch can express: schedule left out")
        )
        return None, lost
    return {
        "name": str(schedule.get("name") or sid)[:200],
        "timezone": zone_name,
        "layers": layers[::-1],
    }, lost


_ROLE_HINT = "pass --role ROLE=SCHEDULE (eoc, imoc, cmoc or security) to page it through that role"


def map_escalation_policy(
    policy: Obj, people: dict[str, str], schedule_roles: dict[str, str] | None = None
) -> tuple[Obj | None, list[Unsupported]]:
    """Rules become steps (delays kept), loops become `repeat`. onwatch pages a schedule through
    the role it says who holds (`roles.<role>.schedule`): a schedule target becomes `{role: ...}`
    when `schedule_roles` (PagerDuty schedule id -> role) names one, and is listed otherwise; a
    step with no target left is listed too. onwatch pages every target of a step at once, so a
    round-robin rule is listed."""
    pid = str(policy["id"])
    roles = schedule_roles or {}
    lost: list[Unsupported] = []
    steps: list[Obj] = []
    for i, rule in enumerate(policy.get("escalation_rules") or []):
        targets: list[Obj] = []
        strategy = (rule.get("escalation_rule_assignment_strategy") or {}).get("type", "assign_to_everyone")
        if strategy == "round_robin":
            lost.append(
                Unsupported(
                    f"escalation_policies.{pid}.escalation_rules[{i}]",
                    "round robin: onwatch pages every target of a step at once",
                )
            )
        for j, target in enumerate(rule.get("targets") or []):
            where = f"escalation_policies.{pid}.escalation_rules[{i}].targets[{j}]"
            kind, tid = str(target.get("type", "")).removesuffix("_reference"), str(target.get("id"))
            if kind == "user" and tid in people:
                found: Obj = {"person": people[tid]}
            elif kind == "user":
                lost.append(Unsupported(where, f"user {tid} was not imported"))
                continue
            elif kind in ("schedule", "schedule_v3") and tid in roles:
                found = {"role": roles[tid]}
            elif kind in ("schedule", "schedule_v3"):
                lost.append(
                    Unsupported(
                        where,
                        f"schedule target {target.get('summary') or tid}: onwatch pages a schedule through "
                        f"the role it fills; {_ROLE_HINT}",
                    )
                )
                continue
            else:
                lost.append(Unsupported(where, f"target type {kind!r} has no onwatch equivalent"))
                continue
            if found not in targets:
                targets.append(found)
        if not targets:
            lost.append(
                Unsupported(f"escalation_policies.{pid}.escalation_rules[{i}]", "step left out: no target")
            )
            continue
        steps.append({"targets": targets, "delay": _delay(int(rule.get("escalation_delay_in_minutes", 30)))})
    if not steps:
        lost.append(Unsupported(f"escalation_policies.{pid}", "no step onwatch can express: policy left out"))
        return None, lost
    loops = int(policy.get("num_loops") or 0)
    if loops > 10:
        lost.append(
            Unsupported(f"escalation_policies.{pid}.num_loops", f"{loops} loops: onwatch repeats at most 10")
        )
    out: Obj = {"name": str(policy.get("name") or pid)[:200], "steps": steps}
    if loops:
        out["repeat"] = min(loops, 10)
    return out, lost


def map_service(service: Obj, teams: dict[str, str]) -> tuple[Obj, list[Unsupported]]:
    sid = str(service["id"])
    lost: list[Unsupported] = []
    out: Obj = {"name": str(service.get("name") or sid)[:200]}
    if service.get("description"):
        out["description"] = str(service["description"])
    rule = service.get("incident_urgency_rule") or {}
    if rule.get("type") == "constant" and rule.get("urgency") == "low":
        out["urgency"] = "low"
    elif rule.get("type") not in (None, "constant") or rule.get("urgency") not in (None, "high", "low"):
        lost.append(
            Unsupported(
                f"services.{sid}.incident_urgency_rule",
                f"urgency rule {rule.get('type')}/{rule.get('urgency')}: imported as high urgency",
            )
        )
    owning = [teams[str(t["id"])] for t in service.get("teams") or [] if str(t.get("id")) in teams]
    if owning:
        out["team"] = owning[0]
    return out, lost


def map_overrides(
    schedule_id: str, onwatch_id: str, overrides: list[Obj], people: dict[str, str], now: datetime
) -> tuple[list[ImportedOverride], list[Unsupported]]:
    """A schedule's overrides that still matter (ending after `now`, starting within 90 days) as
    onwatch overrides; one by someone who was not imported is listed."""
    out: list[ImportedOverride] = []
    lost: list[Unsupported] = []
    for o in overrides:
        where = f"schedules.{schedule_id}.overrides.{o.get('id')}"
        start, end = parse_time(o.get("start")), parse_time(o.get("end"))
        user = str((o.get("user") or {}).get("id"))
        if start is None or end is None or end <= start:
            lost.append(Unsupported(where, "an override without a start before its end"))
        elif not coming(start, end, now):
            continue
        elif user not in people:
            lost.append(Unsupported(where, f"by user {user}, who was not imported"))
        else:
            note = f"imported from PagerDuty override {o.get('id')}"
            out.append(ImportedOverride(onwatch_id, start, end, people[user], note))
    return out, lost


EVENTS_V2_URL = "https://events.pagerduty.com/v2/enqueue"
EVENTS_V1_URL = "https://events.pagerduty.com/generic/2010-04-15/create_event.json"
_INTEGRATION_KINDS = {
    "events_api_v2_inbound_integration": ("Events API v2", EVENTS_V2_URL, ""),
    "generic_events_api_inbound_integration": (
        "Events API v1",
        EVENTS_V1_URL,
        "onwatch receives Events API v2: switch the sender to v2 (routing_key = the same key)",
    ),
}


def map_integrations(
    service: Obj, service_id: str, policies: dict[str, str]
) -> tuple[dict[str, Obj], list[Unsupported], list[OldIntegration]]:
    """Events API integrations keep their integration key, so senders only change the URL; the
    third list pairs each with its old URL for the integration URL table."""
    sid = str(service["id"])
    out: dict[str, Obj] = {}
    lost: list[Unsupported] = []
    old: list[OldIntegration] = []
    policy = policies.get(str((service.get("escalation_policy") or {}).get("id")))
    for integration in service.get("integrations") or []:
        where = f"services.{sid}.integrations.{integration.get('id')}"
        kind = str(integration.get("type", "")).removesuffix("_reference")
        key = integration.get("integration_key")
        if kind not in _INTEGRATION_KINDS:
            lost.append(Unsupported(where, f"integration type {kind!r} is not imported"))
        elif not key:
            lost.append(Unsupported(where, "integration has no integration_key in the answer"))
        elif policy is None:
            lost.append(Unsupported(where, "its service's escalation policy was not imported"))
        else:
            iid = f"{service_id}-{str(integration.get('id')).lower()}"[:64]
            out[iid] = {
                "type": "pagerduty",
                "key": str(key),
                "service": service_id,
                "escalation_policy": policy,
            }
            label, url, note = _INTEGRATION_KINDS[kind]
            name = f"{service.get('name') or sid} / {integration.get('name') or integration.get('id')}"
            old.append(OldIntegration(where, name, label, url, str(key), iid, note))
    return out, lost, old


def _rotation_origin(virtual: datetime, needed_by: datetime, cycle_seconds: int, zone: ZoneInfo) -> datetime:
    """PagerDuty's rotation runs backwards from its virtual start too; onwatch's starts at `start`.
    A virtual start after `needed_by` moves back by whole cycles (in local days when the cycle is
    whole days, so the handoff keeps its wall time across DST)."""
    local = virtual.astimezone(zone)
    if virtual <= needed_by:
        return local
    cycles = -(-int((virtual - needed_by).total_seconds()) // cycle_seconds)
    if cycle_seconds % 86400 == 0:
        day = local.date() - timedelta(days=cycles * cycle_seconds // 86400)
        return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
    return (virtual - timedelta(seconds=cycles * cycle_seconds)).astimezone(zone)


def parse_time(value: object) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo("UTC"))
