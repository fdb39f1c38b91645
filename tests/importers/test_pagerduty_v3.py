"""PagerDuty v3 (shift-based) schedules: RRULE events with rotating members -> onwatch layers and
windows, verified against the v3 final schedule shift by shift."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from onwatch.importers.pagerduty.mapping_v3 import map_event, parse_rrule
from onwatch.importers.pagerduty.run import import_pagerduty
from tests.importers.pagerduty_fixtures import account, uid
from tests.importers.pagerduty_server import PagerDutyData, pagerduty_server
from tests.importers.pagerduty_v3 import event, monthly, office_hours

# Berlin moves to summer time on 2027-03-28, inside the 28 days verified
NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
DAYS = [uid(n) for n in (1, 2, 3)]
NIGHTS = [uid(n) for n in (4, 5)]


@pytest.fixture
def source() -> PagerDutyData:
    data = account(users=40)
    data.schedules_v3 = [office_hours(DAYS, NIGHTS), monthly(uid(6))]
    return data


@pytest.fixture
def base_url(source: PagerDutyData) -> Iterator[str]:
    with pagerduty_server(source) as url:
        yield url


def test_a_pagerduty_v3_schedule_imports_and_verifies_shift_by_shift_across_dst(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    done = import_pagerduty(
        source.token,
        tmp_path / "onwatch.yaml",
        now=NOW,
        base_url=base_url,
        sleep=lambda _: None,
        verify_days=28,
    )
    assert done.differences == []
    office = done.written.config.schedules["office-hours-v3"]
    nights, days = office.layers  # the first rotation is on top
    assert (days.rotation.members, days.rotation.shift, days.rotation.handoff.hour) == (
        ["user1", "user2", "user3"], timedelta(weeks=1), 9,
    )  # fmt: skip
    assert [(w.since.hour, w.until.hour, [d.name for d in w.days]) for w in days.windows] == [
        (9, 17, ["MON", "TUE", "WED", "THU", "FRI"])
    ]
    assert (nights.rotation.members, nights.rotation.shift) == (["user4", "user5"], timedelta(weeks=1))
    # the nights' events came from the rotation's own events endpoint
    assert "/v3/schedules/PV3OFFICE/rotations/RNIGHTS/events" in source.requests


def test_an_unrepresentable_v3_schedule_is_listed_naming_it(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    done = import_pagerduty(
        source.token, tmp_path / "o.yaml", now=NOW, base_url=base_url, sleep=lambda _: None
    )
    lost = {u.source: u.reason for u in done.result.unsupported}
    assert "onwatch repeats shifts daily or weekly" in lost["schedules.PV3MONTH.rotations[0].events[0]"]
    assert "schedule left out" in lost["schedules.PV3MONTH"]
    assert "monthly-v3" not in done.written.config.schedules


def test_a_v3_override_is_imported_and_verify_agrees(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    start = datetime(2027, 3, 17, 8, 0, tzinfo=UTC)  # a Wednesday, 09:00 in Berlin
    source.overrides["PV3OFFICE"] = [(start, start + timedelta(hours=4), uid(7))]
    done = import_pagerduty(
        source.token,
        tmp_path / "onwatch.yaml",
        now=NOW,
        base_url=base_url,
        sleep=lambda _: None,
        verify_days=14,
    )
    assert [(o.schedule, o.person, o.start) for o in done.result.overrides] == [
        ("office-hours-v3", "user7", start)
    ]
    assert done.differences == []


def test_an_account_without_v3_schedules_imports_as_before(tmp_path: Path) -> None:
    data = account(users=40)
    with pagerduty_server(data) as url:
        done = import_pagerduty(data.token, tmp_path / "o.yaml", now=NOW, base_url=url, sleep=lambda _: None)
    assert set(done.result.schedules.values()) == {"follow-the-sun", "weekend-berlin"}


@pytest.mark.parametrize(
    ("rrule", "start", "end", "per_member", "shift", "windows", "why"),
    [
        ("FREQ=DAILY", "2027-01-04T00:00", "2027-01-05T00:00", 7, "7d", None, None),
        ("FREQ=WEEKLY;INTERVAL=2", "2027-01-04T09:00", "2027-01-18T09:00", 1, "14d", None, None),
        ("FREQ=DAILY", "2027-01-04T22:00", "2027-01-05T06:00", 1, "1d", [("00:00", "06:00"), ("22:00", "24:00")], None),
        ("FREQ=WEEKLY;BYDAY=SA,SU", "2027-01-09T08:00", "2027-01-09T20:00", 2, "7d", [("08:00", "20:00")], None),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE", "2027-01-04T09:00", "2027-01-04T17:00", 2, None, None, "not whole weeks"),
        ("FREQ=DAILY;INTERVAL=2", "2027-01-04T09:00", "2027-01-04T17:00", 1, None, None, "windows repeat daily"),
        ("FREQ=DAILY;COUNT=10", "2027-01-04T09:00", "2027-01-05T09:00", 1, None, None, "without end"),
    ],
)  # fmt: skip
def test_v3_events_map_to_a_rotation_and_windows_or_say_why_not(
    rrule: str, start: str, end: str, per_member: int, shift: str | None, windows: list[tuple[str, str]] | None,
    why: str | None,
) -> None:  # fmt: skip
    ev = event("E", start, end, "UTC", rrule, ["A", "B"], per_member)
    layer, reason = map_event("e", ev, {"A": "a", "B": "b"}, ZoneInfo("UTC"))
    if why is not None:
        assert layer is None and why in str(reason)
        return
    assert layer is not None and layer["rotation"]["shift"] == shift
    assert [(w["from"], w["to"]) for w in layer.get("windows", [])] == (windows or [])


def test_an_rrule_line_is_read_into_its_parts() -> None:
    assert parse_rrule(["RRULE:FREQ=WEEKLY;BYDAY=MO,TU;INTERVAL=2"]) == {
        "FREQ": "WEEKLY",
        "BYDAY": "MO,TU",
        "INTERVAL": "2",
    }
