"""Pure mapping rules: Grafana OnCall users, notification rules, teams, escalation chains and
integrations -> onwatch config sections. Every loss is an `Unsupported`, never dropped silently."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from onwatch.importers.grafana_oncall.shifts import zone
from onwatch.importers.integrations import OldIntegration
from onwatch.importers.report import Unsupported
from onwatch.kernel.durations import format_duration

Obj = dict[str, Any]
# Grafana Alerting's OnCall contact point posts Alertmanager's webhook body
_RECEIVERS = {"alertmanager": "alertmanager", "grafana_alerting": "alertmanager", "webhook": "generic"}
_PUSH = "push notifications to the Grafana OnCall app cannot be delivered by onwatch"
_UNREACHABLE = {
    "notify_by_sms": "Grafana OnCall's API does not give the phone number: add an sms method by hand",
    "notify_by_phone_call": "Grafana OnCall's API does not give the phone number: add a voice method by hand",
    "notify_by_slack": "a Slack DM needs a webhook URL onwatch cannot read from Grafana OnCall",
    "notify_by_telegram": "the Telegram chat id is not in Grafana OnCall's API: add it by hand",
    "notify_by_mobile_app": _PUSH,
    "notify_by_mobile_app_critical": _PUSH,
}


def map_notification_rules(user: Obj, rules: list[Obj]) -> tuple[list[Obj], list[Unsupported]]:
    """The default (not important) chain becomes contact methods: each `wait` adds its duration to
    the delay of the methods after it. The important chain is listed where it differs."""
    uid = str(user["id"])
    lost: list[Unsupported] = []
    chains: dict[bool, list[tuple[int, str]]] = {False: [], True: []}
    for important in (False, True):
        delay = 0
        mine = sorted(
            (r for r in rules if bool(r.get("important")) is important),
            key=lambda r: int(r.get("position", 0)),
        )
        for rule in mine:
            kind = str(rule.get("type"))
            if kind == "wait":
                delay += int(rule.get("duration") or 0)
            else:
                chains[important].append((delay, kind))
    out: list[Obj] = []
    for delay, kind in chains[False]:
        where = f"personal_notification_rules.{uid}[{kind}@{delay // 60}m]"
        if kind == "notify_by_email" and user.get("email"):
            entry = {
                "type": "email",
                "address": str(user["email"]),
                "delay": format_duration(timedelta(seconds=delay)),
            }
            if entry not in out:
                out.append(entry)
        else:
            lost.append(Unsupported(where, _UNREACHABLE.get(kind, f"{kind} has no onwatch equivalent")))
    extra = [step for step in chains[True] if step not in chains[False]]
    if extra:
        steps = ", ".join(f"{kind}@{delay // 60}m" for delay, kind in extra)
        lost.append(
            Unsupported(
                f"personal_notification_rules.{uid}.important",
                f"important notifications differ ({steps}): not imported",
            )
        )
    return out, lost


def map_user(user: Obj, rules: list[Obj]) -> tuple[Obj, list[Unsupported]]:
    contact, lost = map_notification_rules(user, rules)
    person: Obj = {
        "name": str(user.get("name") or user.get("username") or user["email"]),
        "email": str(user["email"]),
        "timezone": zone(user.get("timezone")),
    }
    if contact:
        person["contact_methods"] = contact
    if user.get("role") == "admin":
        person["access"] = "admin"
    return person, lost


def map_escalation_chain(
    chain: Obj, policies: list[Obj], people: dict[str, str], roles: dict[str, str] | None = None
) -> tuple[Obj | None, list[Unsupported]]:
    """Notify steps up to a `wait` are one onwatch step; the wait is that step's delay; a
    `repeat_escalation` repeats the chain (Grafana repeats it at most 5 times). Notifying a
    schedule's on-call pages the role the schedule holds (`roles`: Grafana schedule id -> role)."""
    cid = str(chain["id"])
    lost: list[Unsupported] = []
    steps: list[Obj] = []
    waited = True  # the next notify starts a new step
    repeat = 0
    for policy in sorted(policies, key=lambda p: int(p.get("position", 0))):
        where = f"escalation_policies.{policy.get('id')}"
        kind = str(policy.get("type"))
        if kind == "wait":
            if not steps:
                lost.append(
                    Unsupported(
                        where, "a wait before the first notification: onwatch pages its first step at once"
                    )
                )
                continue
            steps[-1]["seconds"] += int(policy.get("duration") or 0)
            waited = True
        elif kind == "notify_persons" or (
            kind == "notify_on_call_from_schedule"
            and str(policy.get("notify_on_call_from_schedule")) in (roles or {})
        ):
            targets: list[Obj] = []
            if kind == "notify_on_call_from_schedule":
                targets.append({"role": (roles or {})[str(policy["notify_on_call_from_schedule"])]})
            persons = (policy.get("persons_to_notify") or []) if kind == "notify_persons" else []
            for person in persons:
                if str(person) in people:
                    targets.append({"person": people[str(person)]})
                else:
                    lost.append(Unsupported(where, f"user {person} was not imported"))
            if not targets:
                continue
            if waited:
                steps.append({"targets": [], "seconds": 0})
                waited = False
            steps[-1]["targets"] += [t for t in targets if t not in steps[-1]["targets"]]
        elif kind == "repeat_escalation":
            repeat = 5
        elif kind == "notify_on_call_from_schedule":
            lost.append(
                Unsupported(
                    where,
                    f"schedule target {policy.get('notify_on_call_from_schedule')}: onwatch pages a schedule "
                    "through a role; import with --role ROLE=SCHEDULE (or map it by hand)",
                )
            )
        elif kind == "notify_person_next_each_time":
            lost.append(
                Unsupported(
                    where, "round robin (notify the next person each time) is not supported by onwatch"
                )
            )
        else:
            lost.append(Unsupported(where, f"escalation step {kind!r} has no onwatch equivalent"))
    if not steps:
        lost.append(Unsupported(f"escalation_chains.{cid}", "no step onwatch can express: chain left out"))
        return None, lost
    out: Obj = {
        "name": str(chain.get("name") or cid)[:200],
        "steps": [
            {"targets": s["targets"], "delay": format_duration(timedelta(seconds=s["seconds"] or 15 * 60))}
            for s in steps
        ],
    }
    if repeat:
        out["repeat"] = repeat
    return out, lost


def integration_key(link: str, previous: Obj) -> str:
    """The secret at the end of Grafana OnCall's integration URL, kept as onwatch's key when it fits
    (senders change only the host and path), else the key a previous import chose, else a new one."""
    token = link.rstrip("/").rsplit("/", 1)[-1]
    if 16 <= len(token) <= 128 and all(c.isalnum() or c in "-_" for c in token):
        return token
    return str(previous.get("key") or secrets.token_urlsafe(24))


def map_integration(
    integration: Obj, iid: str, chains: dict[str, str], teams: dict[str, str], previous: Obj
) -> tuple[tuple[Obj, Obj, OldIntegration] | None, list[Unsupported]]:
    """(service, integration, URL move) for an integration onwatch receives, or why not."""
    where = f"integrations.{integration.get('id')}"
    kind = _RECEIVERS.get(str(integration.get("type")))
    if kind is None:
        return None, [Unsupported(where, f"integration type {integration.get('type')!r} is not imported")]
    chain = chains.get(str((integration.get("default_route") or {}).get("escalation_chain_id")))
    if chain is None:
        return None, [Unsupported(where, "its default route's escalation chain was not imported")]
    lost = []
    if integration.get("routes") and len(integration["routes"]) > 1:
        lost.append(Unsupported(where, "routes other than the default one are not imported"))
    service: Obj = {"name": str(integration.get("name") or iid)[:200]}
    if str(integration.get("team_id")) in teams:
        service["team"] = teams[str(integration["team_id"])]
    link = str(integration.get("link") or "")
    key = integration_key(link, previous)
    entry = {"type": kind, "key": key, "service": iid, "escalation_policy": chain}
    kept = "" if key in link else "a new key: the URL's token did not fit onwatch's keys"
    old = OldIntegration(
        where,
        str(integration.get("name") or iid),
        f"{integration.get('type')} integration",
        link,
        key if key in link else "",
        iid,
        kept,
    )
    return (service, entry, old), lost
