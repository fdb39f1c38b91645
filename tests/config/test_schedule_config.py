"""Schedule configuration: clear, path-named errors for what would make on-call wrong."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onwatch.config.loader import ConfigError, load_config
from onwatch.config.schedules import _first_dst_gap
from onwatch.oncall.domain.schedules import DAY, Rotation, in_dst_gap

BASE = """
organisation: {name: Acme}
people:
  ann: {name: Ann, email: ann@acme.example}
  bob: {name: Bob, email: bob@acme.example}
roles:
  eoc: {name: EOC, schedule: primary}
schedules:
  primary:
    name: Primary
    layers:
      - name: base
        rotation: {members: [ann, bob], shift: weekly, handoff: "09:00", timezone: Europe/Berlin, start: 2027-01-04}
"""


def issues(text: str) -> dict[str, str]:
    with pytest.raises(ConfigError) as err:
        load_config(text)
    return {i.path: i.message for i in err.value.issues}


def test_a_valid_schedule_reads_times_shifts_and_windows() -> None:
    config = load_config(BASE + '        windows: [{from: "08:00", to: "24:00", days: [mon, Tuesday]}]\n')
    layer = config.schedules["primary"].layers[0]
    assert layer.rotation.shift == timedelta(weeks=1) and layer.rotation.handoff == time(9)
    assert layer.windows[0].since == time(8) and layer.windows[0].until == time(0)
    assert [d.name for d in layer.windows[0].days] == ["MON", "TUE"]


def test_unquoted_yaml_times_are_understood() -> None:
    config = load_config(BASE.replace('handoff: "09:00"', "handoff: 09:30"))
    assert config.schedules["primary"].layers[0].rotation.handoff == time(9, 30)


def test_unknown_zone_is_an_error_naming_the_rotation() -> None:
    found = issues(BASE.replace("Europe/Berlin", "Europe/Atlantis"))
    assert found == {
        "schedules.primary.layers[0].rotation.timezone": "unknown time zone 'Europe/Atlantis'; "
        "use an IANA name such as Europe/Berlin"
    }


def test_a_handoff_inside_a_dst_gap_is_refused_unless_allowed() -> None:
    found = issues(BASE.replace('"09:00"', '"02:30"'))
    message = found["schedules.primary.layers[0].rotation.handoff"]
    assert "02:30 does not exist on 2027-03-28 in Europe/Berlin (DST gap)" in message
    assert "allow_dst_gap" in message
    allowed = BASE.replace('"09:00",', '"02:30", allow_dst_gap: true,')
    assert load_config(allowed).schedules["primary"].layers[0].rotation.allow_dst_gap


def test_overlapping_layer_windows_are_refused() -> None:
    text = (
        BASE + '        windows: [{from: "08:00", to: "16:00"}, {from: "22:00", to: "09:00", days: [fri]}]\n'
    )
    assert issues(text) == {"schedules.primary.layers[0].windows[1]": "overlaps windows[0]"}


def test_windows_on_different_days_may_share_hours() -> None:
    text = (
        BASE
        + '        windows: [{from: "08:00", to: "16:00", days: [mon]}, {from: "08:00", to: "16:00", days: [tue]}]\n'
    )
    assert len(load_config(text).schedules["primary"].layers[0].windows) == 2


def test_unknown_members_roles_schedules_and_bad_values_are_named() -> None:
    text = (
        BASE.replace("members: [ann, bob]", "members: [ann, zoe]")
        .replace("schedule: primary", "schedule: secondary")
        .replace("shift: weekly", "shift: 10m")
        .replace('handoff: "09:00"', 'handoff: "25:00"')
    )
    found = issues(text)
    assert found == {
        "schedules.primary.layers[0].rotation.shift": "shift must be at least 1h and a whole number of minutes",
        "schedules.primary.layers[0].rotation.handoff": "write times of day as 'HH:MM' (00:00-24:00), got '25:00'",
    }  # schema errors first; references are checked once the schema holds
    found = issues(
        BASE.replace("members: [ann, bob]", "members: [ann, zoe]").replace("schedule: primary", "schedule: x")
    )
    assert found == {
        "roles.eoc.schedule": "unknown schedule 'x'",
        "schedules.primary.layers[0].rotation.members[1]": "unknown person 'zoe'",
    }


def test_a_schedule_needs_a_layer_and_a_layer_needs_members() -> None:
    found = issues(BASE.replace("members: [ann, bob]", "members: []"))
    assert "schedules.primary.layers[0].rotation.members" in found
    empty = "organisation: {name: A}\nschedules:\n  s: {name: S, layers: []}\n"
    assert "schedules.s.layers" in issues(empty)


def _first_gap_day_by_day(rot: Rotation) -> tuple[date, time] | None:
    """The scan as it was written first: every day of three years, every handoff of the day."""
    if not rot.wall_clock:
        return None
    per_day = 1 if rot.shift % DAY == timedelta(0) else DAY // rot.shift
    walls = [(datetime.combine(rot.start, rot.handoff) + j * rot.shift).time() for j in range(per_day)]
    day = rot.start
    for _ in range(366 * 3):
        for wall in walls:
            if in_dst_gap(day, wall, rot.zone):
                return day, wall
        day += DAY
    return None


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(
        ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Auckland", "Asia/Tokyo",
         "America/Santiago", "Pacific/Apia", "UTC"]
    ),
    start=st.dates(date(2009, 1, 1), date(2030, 12, 31)),
    minute=st.integers(0, 1439),
    shift_hours=st.sampled_from([1, 3, 8, 12, 24, 48, 168, 5, 36]),
)  # fmt: skip
def test_the_dst_gap_check_finds_the_same_first_gap_as_a_day_by_day_scan(
    zone: str, start: date, minute: int, shift_hours: int
) -> None:
    rot = Rotation(
        ("a",), timedelta(hours=shift_hours), time(minute // 60, minute % 60), ZoneInfo(zone), start
    )
    assert _first_dst_gap(rot) == _first_gap_day_by_day(rot)
