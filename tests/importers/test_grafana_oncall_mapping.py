"""Grafana OnCall's shapes -> onwatch's, rule by rule (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from onwatch.importers.grafana_oncall.mapping import integration_key, map_escalation_chain
from onwatch.importers.grafana_oncall.shifts import map_shift

NOW = datetime(2026, 12, 1, tzinfo=UTC)
PEOPLE = {"U1": "ann", "U2": "bob"}


def shift(**more: Any) -> dict[str, Any]:
    return {
        "id": "O1",
        "name": "Rota",
        "type": "rolling_users",
        "time_zone": None,
        "start": "2026-11-02T09:00:00",
        "duration": 86400,
        "frequency": "daily",
        "interval": 1,
        "rolling_users": [["U1"], ["U2"]],
        **more,
    }


@pytest.mark.parametrize(
    ("more", "rotation_shift", "windows"),
    [
        ({}, "1d", None),
        ({"frequency": "weekly", "duration": 7 * 86400}, "1w", None),
        ({"frequency": "hourly", "interval": 12, "duration": 12 * 3600}, "12h", None),
        ({"duration": 8 * 3600}, "1d", [{"from": "09:00", "to": "17:00", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}]),
        (
            {"frequency": "weekly", "duration": 10 * 3600, "by_day": ["SA", "SU"]},
            "1w",
            [{"from": "09:00", "to": "19:00", "days": ["sat", "sun"]}],
        ),
    ],
)  # fmt: skip
def test_shifts_become_rotations_with_windows(
    more: dict[str, Any], rotation_shift: str, windows: object
) -> None:
    layer, lost = map_shift(shift(**more), PEOPLE, NOW)
    assert lost == [] and layer is not None
    assert layer["rotation"]["shift"] == rotation_shift and layer["rotation"]["handoff"] == "09:00"
    assert layer.get("windows") == windows


@pytest.mark.parametrize(
    ("more", "why"),
    [
        ({"frequency": "monthly"}, "fixed lengths"),
        ({"rolling_users": [["U1", "U2"]]}, "several people"),
        ({"interval": 2, "duration": 3600}, "onwatch windows repeat weekly"),
        ({"type": "single_event"}, "'single_event' is not imported"),
        ({"rolling_users": [["U9"]]}, "not imported: ['U9']"),
    ],
)
def test_shifts_onwatch_cannot_express_are_listed(more: dict[str, Any], why: str) -> None:
    layer, lost = map_shift(shift(**more), PEOPLE, NOW)
    assert layer is None and why in lost[0].reason


def test_a_shift_that_ended_is_history() -> None:
    assert map_shift(shift(until="2026-11-20T00:00:00Z"), PEOPLE, NOW) == (None, [])


def test_waits_are_the_delays_of_the_steps_before_them() -> None:
    policies = [
        {"id": "a", "position": 0, "type": "notify_persons", "persons_to_notify": ["U1"]},
        {"id": "b", "position": 1, "type": "notify_persons", "persons_to_notify": ["U2"]},
        {"id": "c", "position": 2, "type": "wait", "duration": 120},
        {"id": "d", "position": 3, "type": "wait", "duration": 60},
        {"id": "e", "position": 4, "type": "notify_persons", "persons_to_notify": ["U1"]},
    ]
    chain, lost = map_escalation_chain({"id": "F", "name": "F"}, policies, PEOPLE)
    assert lost == []
    assert chain == {
        "name": "F",
        "steps": [
            {"targets": [{"person": "ann"}, {"person": "bob"}], "delay": "3m"},
            {"targets": [{"person": "ann"}], "delay": "15m"},
        ],
    }


def test_the_integration_url_token_is_kept_as_the_key() -> None:
    assert integration_key(
        "https://oncall.example/integrations/v1/alertmanager/mReAoNwDm0eMwKo1mTeTwYo/", {}
    ) == ("mReAoNwDm0eMwKo1mTeTwYo")
    assert integration_key("https://oncall.example/x/short/", {"key": "k" * 20}) == "k" * 20


def test_hourly_turns_in_a_zone_with_dst_are_listed() -> None:
    more = {"frequency": "hourly", "interval": 6, "duration": 6 * 3600, "time_zone": "Europe/Berlin"}
    layer, lost = map_shift(shift(**more), PEOPLE, NOW)
    assert layer is not None and "DST days" in lost[0].reason
    utc = {**more, "time_zone": "Asia/Tokyo"}  # no DST there
    assert map_shift(shift(**utc), PEOPLE, NOW)[1] == []
