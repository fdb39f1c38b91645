"""Pure mapping rules: Opsgenie API v2 objects -> onwatch config sections (plain YAML-ready dicts).

Each function returns what onwatch can express plus an `Unsupported` for everything it cannot, so the
import report lists every loss instead of dropping it silently.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onwatch.importers.overrides import ImportedOverride, coming
from onwatch.importers.report import Unsupported
from onwatch.importers.windows import HOURLY_DST, WEEK_MINUTES, has_dst, week_windows
from onwatch.kernel.durations import format_duration

Obj = dict[str, Any]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}
_ROTATION_UNITS = {"hourly": "h", "daily": "d", "weekly": "w"}
_ADMIN_ROLES = {"owner", "admin"}


def zone(name: object) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return str(name)


def parse_time(value: object) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo("UTC"))


def minutes(amount: object) -> int:
    """An Opsgenie `{timeAmount, timeUnit}` (default unit minutes) in whole minutes."""
    if not isinstance(amount, dict):
        return 0
    return int(amount.get("timeAmount", 0)) * _UNITS.get(str(amount.get("timeUnit", "minutes")), 60) // 60


def contact_target(method: str, to: str) -> tuple[Obj | None, str | None]:
    """An onwatch contact method target for an Opsgenie contact, or why there is none."""
    if method == "email":
        return {"type": "email", "address": to}, None
    if method in ("sms", "voice"):
        # Opsgenie writes numbers as <country code>-<number>
        return {"type": method, "number": "+" + "".join(ch for ch in to if ch.isdigit())}, None
    if method == "mobile":
        return None, "push notifications to the Opsgenie app cannot be delivered by onwatch"
    return None, f"contact method {method!r} has no onwatch equivalent"


def map_notification_rules(user_id: str, rules: list[Obj]) -> tuple[list[Obj], list[Unsupported]]:
    """The steps of the enabled create-alert rules become contact methods, their delays kept
    exactly; other rules (acknowledged, closed, schedule start ...) are listed."""
    lost: list[Unsupported] = []
    found: list[tuple[int, Obj]] = []
    for rule in sorted(rules, key=lambda r: (int(r.get("order", 0)), str(r.get("id")))):
        where = f"users.{user_id}.notification-rules.{rule.get('id')}"
        if not rule.get("enabled", True):
            continue
        if rule.get("actionType") != "create-alert":
            lost.append(Unsupported(where, f"{rule.get('actionType')} notifications are not sent by onwatch"))
            continue
        if (rule.get("criteria") or {}).get("type", "match-all") != "match-all":
            lost.append(
                Unsupported(where, "the rule's conditions are not imported: it applies to every page")
            )
        if rule.get("timeRestriction"):
            lost.append(Unsupported(where, "the rule's time restriction is not imported"))
        if (rule.get("repeat") or {}).get("enabled"):
            lost.append(Unsupported(where, "repeating notifications are not imported"))
        for step in rule.get("steps") or []:
            if not step.get("enabled", True):
                continue
            contact = step.get("contact") or {}
            target, why = contact_target(str(contact.get("method", "")), str(contact.get("to", "")))
            if target is None:
                lost.append(Unsupported(f"{where}.steps.{step.get('id')}", str(why)))
                continue
            delay = minutes(step.get("sendAfter"))
            entry = {**target, "delay": format_duration(timedelta(minutes=delay))}
            if (delay, entry) not in found:
                found.append((delay, entry))
    found.sort(key=lambda f: (f[0], str(f[1]["type"])))
    return [entry for _, entry in found], lost


def map_user(user: Obj, rules: list[Obj]) -> tuple[Obj, list[Unsupported]]:
    contact, lost = map_notification_rules(str(user["id"]), rules)
    person: Obj = {
        "name": str(user.get("fullName") or user["username"]),
        "email": str(user["username"]),
        "timezone": zone(user.get("timeZone", "UTC")),
    }
    if contact:
        person["contact_methods"] = contact
    if str((user.get("role") or {}).get("name", "")).lower() in _ADMIN_ROLES:
        person["access"] = "admin"
    return person, lost


def map_team(team: Obj, people: dict[str, str]) -> Obj:
    ids = {people[str(m["user"]["id"])] for m in team.get("members") or [] if str(m["user"]["id"]) in people}
    return {"name": str(team.get("name") or team["id"]), "members": sorted(ids)}


def restriction_spans(restriction: Obj | None) -> list[tuple[int, int]] | None:
    """A rotation's time restriction as (start minute of the week, length) spans; None: always."""
    if not restriction:
        return None
    kind = restriction.get("type")
    if kind == "time-of-day":
        r = restriction.get("restriction") or {}
        start = int(r.get("startHour", 0)) * 60 + int(r.get("startMin", 0))
        end = int(r.get("endHour", 0)) * 60 + int(r.get("endMin", 0))
        length = (end - start) % 1440 or 1440
        return [(d * 1440 + start, length) for d in range(7)]
    spans = []
    for r in restriction.get("restrictions") or []:
        start = WEEKDAYS.index(str(r["startDay"])) * 1440 + int(r["startHour"]) * 60 + int(r["startMin"])
        end = WEEKDAYS.index(str(r["endDay"])) * 1440 + int(r["endHour"]) * 60 + int(r["endMin"])
        spans.append((start, (end - start) % WEEK_MINUTES or WEEK_MINUTES))
    return spans


def _coverage(spans: list[tuple[int, int]] | None) -> set[int]:
    if spans is None:
        return set(range(WEEK_MINUTES))
    return {(s + m) % WEEK_MINUTES for s, n in spans for m in range(n)}


def map_rotation(
    sid: str, rotation: Obj, zone_name: str, people: dict[str, str]
) -> tuple[Obj | None, list[Unsupported]]:
    where = f"schedules.{sid}.rotations.{rotation.get('id')}"
    name = str(rotation.get("name") or rotation.get("id"))
    kind, length = str(rotation.get("type", "")), int(rotation.get("length", 1))
    if kind not in _ROTATION_UNITS or length < 1:
        return None, [Unsupported(where, f"rotation type {kind!r} x {length}: onwatch has no such shift")]
    lost: list[Unsupported] = []
    if parse_time(rotation.get("endDate")):
        lost.append(
            Unsupported(where, f"rotation {name!r} ends at {rotation['endDate']}: imported without an end")
        )
    members: list[str] = []
    for p in rotation.get("participants") or []:
        if p.get("type") == "user" and str(p.get("id")) in people:
            members.append(people[str(p["id"])])
        elif p.get("type") == "none":
            lost.append(Unsupported(where, "a 'no one' turn: onwatch rotations have a person in every turn"))
            return None, lost
        else:
            who = p.get("name") or p.get("username") or p.get("id")
            lost.append(Unsupported(where, f"participant {p.get('type')} {who}: onwatch rotates people only"))
            return None, lost
    if not members:
        return None, [*lost, Unsupported(where, f"rotation {name!r} has no participant")]
    start = parse_time(rotation.get("startDate"))
    if start is None:
        return None, [*lost, Unsupported(where, f"rotation {name!r} has no startDate")]
    local = start.astimezone(ZoneInfo(zone_name))
    entry: Obj = {
        "name": name[:100],
        "rotation": {
            "members": members,
            "shift": f"{length}{_ROTATION_UNITS[kind]}",
            "handoff": local.strftime("%H:%M"),
            "timezone": zone_name,
            "start": local.date().isoformat(),
        },
    }
    if zone_name != "UTC":  # a handoff in a DST gap happens an hour later, as Opsgenie's does
        entry["rotation"]["allow_dst_gap"] = True
    if kind == "hourly" and 24 % length == 0 and has_dst(zone_name):
        lost.append(Unsupported(where, HOURLY_DST))
    spans = restriction_spans(rotation.get("timeRestriction"))
    if spans is not None:
        entry["windows"] = week_windows(spans)
    return entry, lost


def map_schedule(
    schedule: Obj, people: dict[str, str], now: datetime
) -> tuple[Obj | None, list[Unsupported]]:
    """Opsgenie puts every rotation's participant on call at once; onwatch has one person on call,
    the top layer winning. Rotations that cover the same hours are listed (the later one wins)."""
    sid = str(schedule["id"])
    zone_name = zone(schedule.get("timezone", "UTC"))
    if schedule.get("enabled") is False:
        return None, [Unsupported(f"schedules.{sid}", "the schedule is disabled: left out")]
    lost: list[Unsupported] = []
    layers: list[Obj] = []
    covered: list[tuple[str, set[int]]] = []
    rotations = sorted(
        schedule.get("rotations") or [], key=lambda r: (int(r.get("order", 0)), str(r.get("id")))
    )
    for rotation in rotations:
        end = parse_time(rotation.get("endDate"))
        if end is not None and end <= now:
            continue
        entry, why = map_rotation(sid, rotation, zone_name, people)
        lost += why
        if entry is None:
            continue
        mine = _coverage(restriction_spans(rotation.get("timeRestriction")))
        for other, theirs in covered:
            if mine & theirs:
                lost.append(
                    Unsupported(
                        f"schedules.{sid}.rotations.{rotation.get('id')}",
                        f"on call at the same hours as rotation {other!r}: onwatch has one person on "
                        f"call at a time, {entry['name']!r} wins",
                    )
                )
        covered.append((entry["name"], mine))
        layers.append(entry)
    if not layers:
        lost.append(
            Unsupported(f"schedules.{sid}", "no current rotation onwatch can express: schedule left out")
        )
        return None, lost
    return {"name": str(schedule.get("name") or sid)[:200], "timezone": zone_name, "layers": layers}, lost


def map_overrides(
    schedule: Obj, onwatch_id: str, overrides: list[Obj], people: dict[str, str], now: datetime
) -> tuple[list[ImportedOverride], list[Unsupported]]:
    """The overrides of the coming 90 days. An override of some rotations only replaces the whole
    schedule in onwatch (listed)."""
    sid = str(schedule["id"])
    all_rotations = {str(r.get("id")) for r in schedule.get("rotations") or []}
    out: list[ImportedOverride] = []
    lost: list[Unsupported] = []
    for o in overrides:
        start, end = parse_time(o.get("startDate")), parse_time(o.get("endDate"))
        where = f"schedules.{sid}.overrides.{o.get('alias')}"
        if start is None or end is None or not coming(start, end, now):
            continue
        user = o.get("user") or {}
        if user.get("type", "user") != "user" or str(user.get("id")) not in people:
            who = user.get("username") or user.get("name") or user.get("id")
            lost.append(Unsupported(where, f"override by {user.get('type')} {who}: not an imported person"))
            continue
        only = {str(r.get("id")) for r in o.get("rotations") or []}
        if only and only != all_rotations:
            lost.append(
                Unsupported(where, "an override of some rotations only: imported for the whole schedule")
            )
        out.append(
            ImportedOverride(
                onwatch_id, max(start, now), end, people[str(user["id"])], f"opsgenie {o.get('alias')}"
            )
        )
    return out, lost


def map_escalation(
    escalation: Obj, people: dict[str, str], roles: dict[str, str] | None = None
) -> tuple[Obj | None, list[Unsupported]]:
    """Rules at the same delay are one step; Opsgenie counts delays from the alert, onwatch from
    the step before, so a step waits until the next rule's delay (the last one: the repeat's wait).
    A schedule recipient pages the role that schedule holds (`roles`: Opsgenie schedule id -> role)
    and is listed when it holds none; team recipients are listed."""
    eid = str(escalation["id"])
    lost: list[Unsupported] = []
    by_delay: dict[int, list[Obj]] = {}
    for i, rule in enumerate(escalation.get("rules") or []):
        where = f"escalations.{eid}.rules[{i}]"
        if rule.get("condition", "if-not-acked") != "if-not-acked":
            lost.append(
                Unsupported(where, f"condition {rule.get('condition')}: onwatch escalates until acknowledged")
            )
        recipient = rule.get("recipient") or {}
        kind, rid = str(recipient.get("type", "")), str(recipient.get("id"))
        name = recipient.get("name") or recipient.get("username") or rid
        delay = minutes(rule.get("delay"))
        found: Obj | None = None
        if kind == "user" and rid in people:
            found = {"person": people[rid]}
        elif kind == "schedule" and rid in (roles or {}) and rule.get("notifyType", "default") == "default":
            found = {"role": (roles or {})[rid]}
        if found is not None:
            targets = by_delay.setdefault(delay, [])
            if found not in targets:
                targets.append(found)
        elif kind == "user":
            lost.append(Unsupported(where, f"user {name} was not imported"))
        elif kind == "schedule" and rid in (roles or {}):
            lost.append(
                Unsupported(
                    where, f"the {rule.get('notifyType')} on-call of {name}: onwatch pages the current one"
                )
            )
        elif kind == "schedule":
            lost.append(
                Unsupported(
                    where,
                    f"schedule recipient {name}: onwatch pages a schedule through a role; "
                    "import with --role ROLE=SCHEDULE (or map it by hand)",
                )
            )
        else:
            lost.append(Unsupported(where, f"recipient type {kind!r} ({name}) has no onwatch equivalent"))
    if not by_delay:
        lost.append(Unsupported(f"escalations.{eid}", "no rule onwatch can express: escalation left out"))
        return None, lost
    delays = sorted(by_delay)
    if delays[0] > 0:
        lost.append(
            Unsupported(
                f"escalations.{eid}",
                f"the first page waits {delays[0]}m: onwatch pages its first step at once",
            )
        )
    repeat = escalation.get("repeat") or {}
    count = int(repeat.get("count", 0) or 0)
    wait = max(int(repeat.get("waitInterval", 0) or 0), 1)  # onwatch loops no faster than a minute
    steps = []
    for i, delay in enumerate(delays):
        after = delays[i + 1] - delay if i + 1 < len(delays) else (wait if count else 15)
        steps.append({"targets": by_delay[delay], "delay": f"{after}m"})
    out: Obj = {"name": str(escalation.get("name") or eid)[:200], "steps": steps}
    if count > 10:
        lost.append(Unsupported(f"escalations.{eid}.repeat", f"{count} repeats: onwatch repeats at most 10"))
    if count:
        out["repeat"] = min(count, 10)
    return out, lost
