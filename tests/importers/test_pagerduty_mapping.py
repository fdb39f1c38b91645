"""PagerDuty -> onwatch mapping rules, as tables (pure functions, no server)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onwatch.config.schedules import WindowConfig
from onwatch.importers.pagerduty.mapping import map_contact_methods, map_schedule, restriction_windows

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def weekly(day: int, start: str, hours: float) -> dict[str, Any]:
    return {
        "type": "weekly_restriction",
        "start_day_of_week": day,
        "start_time_of_day": f"{start}:00",
        "duration_seconds": int(hours * 3600),
    }


@pytest.mark.parametrize(
    ("restrictions", "windows"),
    [
        (
            [{"type": "daily_restriction", "start_time_of_day": "09:00:00", "duration_seconds": 8 * 3600}],
            [{"from": "09:00", "to": "17:00", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}],
        ),
        (
            [{"type": "daily_restriction", "start_time_of_day": "22:00:00", "duration_seconds": 8 * 3600}],
            [{"from": "22:00", "to": "06:00", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}],
        ),
        ([weekly(2, "10:00", 4)], [{"from": "10:00", "to": "14:00", "days": ["tue"]}]),
        (
            [weekly(5, "18:00", 62)],  # Friday 18:00 to Monday 08:00
            [{"from": "00:00", "to": "08:00", "days": ["mon"]},
             {"from": "18:00", "to": "24:00", "days": ["fri"]},
             {"from": "00:00", "to": "24:00", "days": ["sat", "sun"]}],
        ),
        ([weekly(7, "20:00", 12)], [{"from": "00:00", "to": "08:00", "days": ["mon"]},
                                    {"from": "20:00", "to": "24:00", "days": ["sun"]}]),
    ],
)  # fmt: skip
def test_restrictions_become_windows_of_at_most_a_day(
    restrictions: list[dict[str, Any]], windows: list[dict[str, Any]]
) -> None:
    assert restriction_windows(restrictions) == windows


def _minutes(windows: list[dict[str, Any]]) -> set[int]:
    out: set[int] = set()
    for w in windows:
        model = WindowConfig.model_validate(w)
        a = model.since.hour * 60 + model.since.minute
        b = model.until.hour * 60 + model.until.minute
        length = (b - a) % 1440 or 1440
        for d in model.days:
            out |= {(d.value * 1440 + a + m) % (7 * 1440) for m in range(0, length, 30)}
    return out


@given(
    day=st.integers(1, 7),
    start=st.integers(0, 47).map(lambda h: f"{h // 2:02d}:{h % 2 * 30:02d}"),
    half_hours=st.integers(1, 14 * 24),
)
def test_a_weekly_restriction_covers_the_same_minutes_as_its_windows(
    day: int, start: str, half_hours: int
) -> None:
    h, m = (int(x) for x in start.split(":"))
    begin = (day - 1) * 1440 + h * 60 + m
    length = min(half_hours * 30, 7 * 1440)
    expected = {(begin + k) % (7 * 1440) for k in range(0, length, 30)}
    assert _minutes(restriction_windows([weekly(day, start, half_hours / 2)])) == expected


def rule(method: str, delay: int, urgency: str) -> dict[str, Any]:
    return {"start_delay_in_minutes": delay, "urgency": urgency, "contact_method": {"id": method}}


METHODS: list[dict[str, Any]] = [
    {"id": "E", "type": "email_contact_method", "address": "a@acme.example"},
    {"id": "S", "type": "sms_contact_method", "country_code": 49, "address": "15112345678"},
]


@pytest.mark.parametrize(
    ("rules", "expected", "lost"),
    [
        ([rule("E", 0, "high"), rule("E", 0, "low")], [("email", "0m", None)], 0),
        ([rule("S", 3, "high")], [("sms", "3m", "high")], 0),
        ([rule("S", 3, "low")], [("sms", "3m", None)], 1),
        (
            [rule("E", 0, "high"), rule("E", 15, "high")],
            [("email", "0m", "high"), ("email", "15m", "high")],
            0,
        ),
        ([rule("X", 0, "high")], [], 1),
    ],
)
def test_notification_rules_map_to_contact_methods(
    rules: list[dict[str, Any]], expected: list[tuple[Any, ...]], lost: int
) -> None:
    methods, unsupported = map_contact_methods("PU1", METHODS, rules)
    assert [(m["type"], m["delay"], m.get("urgency")) for m in methods] == expected
    assert len(unsupported) == lost


def test_a_future_virtual_start_moves_back_by_whole_cycles_keeping_the_wall_time() -> None:
    layer = {
        "name": "L",
        "start": "2026-10-01T09:00:00+02:00",
        "rotation_virtual_start": "2027-01-04T09:00:00+01:00",
        "rotation_turn_length_seconds": 7 * 86400,
        "users": [{"user": {"id": "A"}}, {"user": {"id": "B"}}],
    }
    mapped, _ = map_schedule(
        {"id": "S", "name": "S", "time_zone": "Europe/Berlin", "schedule_layers": [layer]},
        {"A": "a", "B": "b"},
        NOW,
    )
    assert mapped is not None
    rotation = mapped["layers"][0]["rotation"]
    # 2027-01-04 minus 7 two-week cycles: 2026-09-28 (before the layer starts), still 09:00 Berlin time (summer time then)
    assert (rotation["start"], rotation["handoff"]) == ("2026-09-28", "09:00")


def test_a_layer_with_turns_shorter_than_an_hour_is_listed() -> None:
    layer = {"name": "L", "rotation_turn_length_seconds": 1800, "users": [{"user": {"id": "A"}}]}
    mapped, lost = map_schedule({"id": "S", "name": "S", "schedule_layers": [layer]}, {"A": "a"}, NOW)
    assert mapped is None
    assert [u.source for u in lost] == ["schedules.S.schedule_layers[0]", "schedules.S"]
