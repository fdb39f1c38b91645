"""Opsgenie's shapes -> onwatch's, rule by rule (pure)."""

from __future__ import annotations

import pytest

from onwatch.importers.opsgenie.mapping import contact_target, map_escalation, map_rotation, minutes

PEOPLE = {"u1": "ann", "u2": "bob"}


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ({"timeAmount": 5, "timeUnit": "minutes"}, 5),
        ({"timeAmount": 2, "timeUnit": "hours"}, 120),
        ({"timeAmount": 1, "timeUnit": "days"}, 1440),
        ({"timeAmount": 3}, 3),
        (None, 0),
    ],
)
def test_time_amounts_are_whole_minutes(amount: object, expected: int) -> None:
    assert minutes(amount) == expected


@pytest.mark.parametrize(
    ("method", "to", "expected"),
    [
        ("email", "ann@acme.example", {"type": "email", "address": "ann@acme.example"}),
        ("sms", "49-15112345678", {"type": "sms", "number": "+4915112345678"}),
        ("voice", "1-4155550100", {"type": "voice", "number": "+14155550100"}),
        ("mobile", "device", None),
    ],
)
def test_contacts_become_onwatch_targets(method: str, to: str, expected: object) -> None:
    assert contact_target(method, to)[0] == expected


def rule(delay: int, kind: str, rid: str) -> dict[str, object]:
    return {
        "condition": "if-not-acked",
        "notifyType": "default",
        "delay": {"timeAmount": delay, "timeUnit": "minutes"},
        "recipient": {"type": kind, "id": rid},
    }


def test_delays_from_the_alert_become_waits_between_steps() -> None:
    policy, lost = map_escalation(
        {
            "id": "e",
            "name": "E",
            "rules": [rule(0, "user", "u1"), rule(10, "user", "u2"), rule(25, "user", "u1")],
        },
        PEOPLE,
    )
    assert lost == []
    assert policy == {
        "name": "E",
        "steps": [
            {"targets": [{"person": "ann"}], "delay": "10m"},
            {"targets": [{"person": "bob"}], "delay": "15m"},
            {"targets": [{"person": "ann"}], "delay": "15m"},
        ],
    }


def test_a_first_rule_that_waits_is_listed() -> None:
    policy, lost = map_escalation({"id": "e", "name": "E", "rules": [rule(5, "user", "u1")]}, PEOPLE)
    assert policy is not None and [u.reason for u in lost] == [
        "the first page waits 5m: onwatch pages its first step at once"
    ]


def test_a_rotation_hands_over_at_its_start_in_the_schedules_zone() -> None:
    layer, lost = map_rotation(
        "s",
        {
            "id": "r",
            "name": "Weekly",
            "type": "weekly",
            "length": 2,
            "startDate": "2026-06-01T07:00:00Z",
            "participants": [{"type": "user", "id": "u1"}, {"type": "user", "id": "u2"}],
        },
        "Europe/Berlin",
        PEOPLE,
    )
    assert lost == [] and layer is not None
    assert layer["rotation"] == {
        "members": ["ann", "bob"],
        "shift": "2w",
        "handoff": "09:00",
        "timezone": "Europe/Berlin",
        "start": "2026-06-01",
        "allow_dst_gap": True,
    }
