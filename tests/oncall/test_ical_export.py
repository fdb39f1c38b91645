"""Exported iCalendar feeds, expanded by a calendar library, give exactly the shifts onwatch resolves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from onwatch.oncall.domain.resolve import resolve
from onwatch.oncall.domain.schedules import Layer, Override, Rotation, Schedule, Shift, Window
from onwatch.oncall.ical import render_calendar

NOW = datetime(2027, 1, 1, tzinfo=UTC)
ZONES = ("UTC", "Europe/Berlin", "Australia/Sydney")
NAMES = {"aiko": "Aiko Tanaka", "lukas": "Lukas Becker", "mei": "Mei Chen", "tom": "Tom Whitaker"}
SUMMARY = re.compile(r"^On call: (?P<person>.+) \((?P<schedule>.+)\)$")
Range = tuple[datetime, datetime]


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


# 2027 clock changes: America 14 Mar / 7 Nov, Europe 28 Mar / 31 Oct, Sydney 4 Apr (back) / 3 Oct (forward).
# Short ranges around them keep the 8-hour and follow-the-sun cases fast; resolve() runs once per range.
NORTH_YEAR: tuple[Range, ...] = ((utc(2, 1), utc(11, 30)),)
NORTH_CHANGES: tuple[Range, ...] = (
    (utc(3, 11), utc(3, 18)),
    (utc(3, 25), utc(4, 5)),
    (utc(10, 28), utc(11, 10)),
)
SOUTH_CHANGES: tuple[Range, ...] = (
    (utc(3, 25), utc(4, 5)),
    (utc(9, 29), utc(10, 6)),
    (utc(10, 28), utc(11, 2)),
)


def rotation(members: str, shift: timedelta, handoff: time, zone: str) -> Rotation:
    return Rotation(tuple(members.split()), shift, handoff, ZoneInfo(zone), date(2027, 1, 4))


def single(sid: str, name: str, rot: Rotation) -> Schedule:
    return Schedule(sid, name, (Layer(sid, rot),), rot.zone)


@dataclass(frozen=True)
class Case:
    schedule: Schedule
    overrides: tuple[Override, ...]
    ranges: tuple[Range, ...]

    def shifts(self) -> list[Shift]:
        return [s for lo, hi in self.ranges for s in resolve(self.schedule, self.overrides, lo, hi)]


WEEK, DAY, EIGHT_HOURS = timedelta(weeks=1), timedelta(days=1), timedelta(hours=8)
OFFICE = Window(time(8), time(16))
CASES = {
    "follow-the-sun": Case(
        Schedule(
            "sre",
            "SRE follow the sun",
            (
                Layer("APAC", rotation("aiko ravi", WEEK, time(9), "Asia/Tokyo")),
                Layer("EMEA", rotation("amara lukas", WEEK, time(8), "Europe/London"), (OFFICE,)),
                Layer("AMER", rotation("maria jordan", WEEK, time(8), "America/Los_Angeles"), (OFFICE,)),
            ),
        ),
        (
            Override("grace", utc(3, 28, 0, 30), utc(3, 28, 3), id=1),  # across Europe's spring gap
            Override("lukas", utc(10, 31, 1, 30), utc(10, 31, 5), id=2),  # from 02:30 CET, the second 02:30
            Override("tom", utc(11, 7, 5), utc(11, 7, 9), id=3),  # across Chicago's repeated hour
        ),
        NORTH_CHANGES,
    ),
    "berlin-daily": Case(
        single("berlin", "Berlin daily", rotation("lukas omar eva", DAY, time(2, 30), "Europe/Berlin")),
        (Override("nadia", utc(3, 26, 10), utc(3, 29, 10), id=4),),
        NORTH_CHANGES,
    ),
    "chicago-8h": Case(
        single("chicago", "Chicago 8-hour", rotation("tom ben", EIGHT_HOURS, time(7), "America/Chicago")),
        (Override("maria", utc(3, 14, 6), utc(3, 14, 12), id=5),),
        NORTH_CHANGES,
    ),
    "sydney-weekly": Case(
        single("sydney-weekly", "Sydney weekly", rotation("mei ravi", WEEK, time(9), "Australia/Sydney")),
        (Override("aiko", utc(10, 2, 15), utc(10, 2, 18), id=6),),  # across Sydney's spring gap
        NORTH_YEAR,
    ),
    "sydney-8h": Case(
        single(
            "sydney-8h", "Sydney 8-hour", rotation("mei aiko ravi", EIGHT_HOURS, time(4), "Australia/Sydney")
        ),
        (Override("ben", utc(4, 3, 16, 30), utc(4, 3, 20), id=7),),  # from 02:30 AEST, the second 02:30
        SOUTH_CHANGES,
    ),
}


@cache
def rendered(case_id: str, zone: str, now: datetime = NOW) -> bytes:
    name = CASES[case_id].schedule.name
    pairs = [(name, s) for s in CASES[case_id].shifts()]
    return render_calendar(
        calendar_id=case_id, name=name, shifts=pairs, zone=ZoneInfo(zone), names=NAMES, now=now
    )


@cache
def parsed(case_id: str, zone: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(rendered(case_id, zone))


def events(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return list(cal.walk("VEVENT"))


def person_of(summary: object, schedule_name: str) -> str:
    match = SUMMARY.match(str(summary))
    assert match and match["schedule"] == schedule_name, summary
    by_name = {v: k for k, v in NAMES.items()}
    return by_name.get(match["person"], match["person"])


def expanded(case: Case, cal: icalendar.Calendar) -> set[tuple[datetime, datetime, str]]:
    """What a calendar client shows: every occurrence between the first and last range, in UTC."""
    occurrences = recurring_ical_events.of(cal).between(case.ranges[0][0], case.ranges[-1][1])
    name = case.schedule.name
    return {
        (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC), person_of(e["SUMMARY"], name))
        for e in occurrences
    }


@pytest.mark.parametrize("case_id", CASES)
def test_every_case_spans_both_clock_changes_of_its_rotation_zones_and_of_berlin(case_id: str) -> None:
    case = CASES[case_id]
    step = timedelta(hours=3)
    for zone in {layer.rotation.zone for layer in case.schedule.layers} | {ZoneInfo("Europe/Berlin")}:
        offsets = [
            (lo + k * step).astimezone(zone).utcoffset()
            for lo, hi in case.ranges
            for k in range(int((hi - lo) / step) + 1)
        ]
        changes = sum(a != b for a, b in pairwise(offsets))
        assert changes >= 2 or zone.key in ("Asia/Tokyo", "UTC"), zone


ALL = [pytest.param(c, z, id=f"{c}-in-{z}") for c in CASES for z in ZONES]


@pytest.mark.parametrize(("case_id", "zone"), ALL)
def test_exported_ical_expands_to_the_same_shifts(case_id: str, zone: str) -> None:
    case = CASES[case_id]
    shifts = case.shifts()
    got = expanded(case, parsed(case_id, zone))
    want = {(s.start, s.end, s.person) for s in shifts}
    assert sorted(got - want) == [] and sorted(want - got) == []
    assert len(events(parsed(case_id, zone))) == len(shifts)


def second_of_a_repeated_hour(instant: datetime, zone: ZoneInfo) -> bool:
    """RFC 5545 §3.3.5 reads an ambiguous local time as its first occurrence: these need UTC."""
    return instant.astimezone(zone).replace(fold=0).astimezone(UTC) != instant


@pytest.mark.parametrize(("case_id", "zone"), ALL)
def test_events_are_written_in_the_requested_zone(case_id: str, zone: str) -> None:
    """DTSTART/DTEND carry TZID=<zone>. UTC ('Z') is required in a UTC calendar and for the second of a
    repeated hour, and allowed for the other end of an event that has one."""
    cal = parsed(case_id, zone)
    assert len(events(cal)) == len(CASES[case_id].shifts())
    for event, shift in zip(events(cal), CASES[case_id].shifts(), strict=True):
        ambiguous = {t for t in (shift.start, shift.end) if second_of_a_repeated_hour(t, ZoneInfo(zone))}
        for prop, instant in (("DTSTART", shift.start), ("DTEND", shift.end)):
            written_in_utc = "TZID" not in event[prop].params and event[prop].to_ical().endswith(b"Z")
            if zone == "UTC" or instant in ambiguous:
                assert written_in_utc, event[prop].to_ical()
            elif not (ambiguous and written_in_utc):
                assert event[prop].params["TZID"] == zone


@pytest.mark.parametrize(("case_id", "zone"), ALL)
def test_a_vtimezone_comes_with_non_utc_zones_and_agrees_with_the_iana_zone(case_id: str, zone: str) -> None:
    timezones = list(parsed(case_id, zone).walk("VTIMEZONE"))
    if zone == "UTC":
        assert timezones == []
        return
    assert [str(tz["TZID"]) for tz in timezones] == [zone]
    assert {c.name for c in timezones[0].subcomponents} == {"STANDARD", "DAYLIGHT"}
    own_rules = timezones[0].to_tz(lookup_tzid=False)  # as a client that ignores IANA names reads it
    for event in events(parsed(case_id, zone)):
        for prop in (p for p in ("DTSTART", "DTEND") if "TZID" in event[p].params):
            wall = event[prop].dt.replace(tzinfo=None)
            assert wall.replace(tzinfo=own_rules).astimezone(UTC) == event[prop].dt.astimezone(UTC)


@pytest.mark.parametrize("zone", ZONES)
def test_uids_are_unique_and_stable_between_renders(zone: str) -> None:
    for case_id in CASES:
        uids = [str(e["UID"]) for e in events(parsed(case_id, zone))]
        assert len(set(uids)) == len(uids)
    later = icalendar.Calendar.from_ical(rendered("sydney-weekly", zone, now=NOW + timedelta(days=3)))
    assert [str(e["UID"]) for e in events(later)] == [
        str(e["UID"]) for e in events(parsed("sydney-weekly", zone))
    ]


def test_uids_of_inner_shifts_survive_a_moving_feed_window() -> None:
    """The feed re-resolves [now - 7d, now + 60d) on every fetch; shifts inside both windows keep their UID."""
    schedule, berlin = CASES["berlin-daily"].schedule, ZoneInfo("Europe/Berlin")
    uid_at: list[dict[datetime, str]] = []
    for lo, hi in ((utc(3, 1), utc(4, 1)), (utc(3, 15), utc(4, 15))):
        pairs = [("n", s) for s in resolve(schedule, [], lo, hi)]
        body = render_calendar(calendar_id="feed-1", name="n", shifts=pairs, zone=berlin, names={}, now=NOW)
        cal = icalendar.Calendar.from_ical(body)
        uid_at.append({e["DTSTART"].dt.astimezone(UTC): str(e["UID"]) for e in events(cal)})
    inner = [t for t in uid_at[0] if utc(3, 16) < t < utc(3, 31)]
    assert len(inner) > 10
    assert [uid_at[0][t] for t in inner] == [uid_at[1][t] for t in inner]


def test_a_person_feed_over_two_schedules_keeps_both_shifts_that_start_together() -> None:
    """A manager on two weekly rotations that both hand off on Monday 09:00 (as the person feed renders)."""
    managers = single("managers", "SRE Managers", rotation("nadia tom", WEEK, time(9), "Europe/Paris"))
    security = single("security", "Security", rotation("nadia omar", WEEK, time(9), "Europe/Paris"))
    start, end = utc(3, 1), utc(4, 26)
    mine = [
        (s.name, sh)
        for s in (managers, security)
        for sh in resolve(s, [], start, end)
        if sh.person == "nadia"
    ]
    pairs = sorted(mine, key=lambda p: p[1].start)
    body = render_calendar(
        calendar_id="feed-2", name="mine", shifts=pairs, zone=ZoneInfo("Europe/Paris"), names={}, now=NOW
    )
    cal = icalendar.Calendar.from_ical(body)
    uids = [str(e["UID"]) for e in events(cal)]
    assert len(set(uids)) == len(uids) == len(pairs)
    got = {
        (e["DTSTART"].dt.astimezone(UTC), str(e["SUMMARY"]))
        for e in recurring_ical_events.of(cal).between(start, end)
    }
    assert got == {(sh.start, f"On call: nadia ({name})") for name, sh in pairs}


def test_the_shift_a_moving_feed_window_cuts_keeps_its_uid_across_fetches() -> None:
    """The shift running at the window's start is cut there, and the window moves with each fetch:
    its event keeps one UID all the same (calendar apps would otherwise duplicate it)."""
    schedule, berlin = CASES["berlin-daily"].schedule, ZoneInfo("Europe/Berlin")
    first_uid = []
    for lo in (utc(3, 10, 9), utc(3, 10, 10), utc(3, 10, 13, 45)):  # three fetches that morning
        pairs = [("n", s) for s in resolve(schedule, [], lo, lo + timedelta(days=3))]
        body = render_calendar(
            calendar_id="feed-1", name="n", shifts=pairs, zone=berlin, names={}, now=lo, window_start=lo
        )
        first = min(events(icalendar.Calendar.from_ical(body)), key=lambda e: e["DTSTART"].dt)
        assert first["DTSTART"].dt.astimezone(UTC) == lo  # cut by the window
        first_uid.append(str(first["UID"]))
    assert len(set(first_uid)) == 1
