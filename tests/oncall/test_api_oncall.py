"""Who is on call, shifts, overrides, gaps, handoff notes and calendar feeds over the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import icalendar
import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory, client_factory
from tests.conftest import DEMO_CONFIG

# The fake clock starts on Tuesday 2026-12-01 09:00 UTC: EMEA hours, the fifth week of the rotations.


@pytest.fixture
def anon(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    with TestClient(onwatch.api()) as client:
        yield client


@pytest.fixture
def as_(anon: TestClient, db: Database, clock: FakeClock) -> ClientFactory:
    return client_factory(anon, db, clock)


def test_who_is_on_call_now_for_every_role_with_shift_end_and_next(as_: ClientFactory) -> None:
    # a responder: the security on-call's entry is hidden from viewers (directory/access.py)
    rows = {r["role"]: r for r in as_("amara").get("/api/v1/oncall").json()}
    assert set(rows) == {"eoc", "imoc", "cmoc", "security"}
    eoc = rows["eoc"]
    assert (eoc["person"], eoc["source"], eoc["schedule"]) == ("amara", "EMEA", "sre-8-hour")
    assert (eoc["shift_start"], eoc["shift_end"]) == ("2026-12-01T08:00:00Z", "2026-12-01T16:00:00Z")
    assert eoc["next"] == {
        "person": "maria", "start": "2026-12-01T16:00:00Z", "end": "2026-12-02T00:00:00Z", "source": "AMER",
    }  # fmt: skip
    assert rows["imoc"]["person"] == "nadia" and rows["imoc"]["next"]["person"] == "tom"


def test_who_is_on_call_for_one_role_at_a_given_instant(as_: ClientFactory) -> None:
    client = as_("amara", TokenRole.VIEWER)
    [row] = client.get("/api/v1/oncall", params={"role": "eoc", "at": "2026-12-01T03:00:00Z"}).json()
    assert (row["person"], row["source"]) == ("aiko", "APAC")
    naive = client.get("/api/v1/oncall", params={"at": "2026-12-01T03:00:00"})
    assert naive.status_code == 422
    assert (
        naive.json()["errors"][0]["field"] == "query.at"
        and "time zone" in naive.json()["errors"][0]["message"]
    )
    unknown = client.get("/api/v1/oncall", params={"role": "boss"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "query.role"


def test_shifts_are_final_and_range_errors_are_clear(as_: ClientFactory) -> None:
    client = as_("amara", TokenRole.VIEWER)
    day = client.get(
        "/api/v1/schedules/sre-8-hour/shifts",
        params={"from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z"},
    ).json()
    assert [(s["person"], s["source"]) for s in day] == [
        ("aiko", "APAC"),
        ("amara", "EMEA"),
        ("maria", "AMER"),
    ]
    backwards = client.get(
        "/api/v1/schedules/sre-8-hour/shifts",
        params={"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
    )
    assert backwards.status_code == 422 and backwards.json()["errors"] == [
        {"field": "to", "message": "'to' must be after 'from'"}
    ]
    missing = client.get("/api/v1/schedules/nope/shifts")
    assert missing.status_code == 404 and "schedule 'nope' does not exist" in missing.json()["detail"]
    listed = {s["id"]: s for s in client.get("/api/v1/schedules").json()}
    assert listed["sre-8-hour"]["roles"] == ["eoc"] and len(listed["sre-8-hour"]["layers"]) == 3


def test_an_override_covers_part_of_a_shift_and_can_be_removed(as_: ClientFactory, clock: FakeClock) -> None:
    client = as_("amara")
    made = client.post(
        "/api/v1/schedules/sre-8-hour/overrides",
        json={
            "person": "lukas",
            "start": "2026-12-01T10:00:00Z",
            "end": "2026-12-01T12:00:00Z",
            "note": "dentist",
        },
    )
    assert made.status_code == 201, made.text
    at_11 = client.get("/api/v1/oncall", params={"role": "eoc", "at": "2026-12-01T11:00:00Z"}).json()[0]
    assert (at_11["person"], at_11["source"], at_11["shift_end"]) == (
        "lukas", f"override:{made.json()['id']}", "2026-12-01T12:00:00Z",
    )  # fmt: skip
    now = client.get("/api/v1/oncall", params={"role": "eoc"}).json()[0]
    assert now["person"] == "amara" and now["shift_end"] == "2026-12-01T10:00:00Z"
    assert now["next"]["person"] == "lukas"
    day = client.get(
        "/api/v1/schedules/sre-8-hour/shifts",
        params={"from": "2026-12-01T08:00:00Z", "to": "2026-12-01T16:00:00Z"},
    ).json()
    assert [s["person"] for s in day] == ["amara", "lukas", "amara"]
    assert client.delete(f"/api/v1/schedules/sre-8-hour/overrides/{made.json()['id']}").status_code == 204
    assert (
        client.get("/api/v1/oncall", params={"role": "eoc", "at": "2026-12-01T11:00:00Z"}).json()[0]["person"]
        == "amara"
    )
    assert client.delete(f"/api/v1/schedules/sre-8-hour/overrides/{made.json()['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        (
            {"person": "ghost", "start": "2026-12-01T10:00:00Z", "end": "2026-12-01T12:00:00Z"},
            "person",
            "unknown person",
        ),
        (
            {"person": "lukas", "start": "2026-12-01T12:00:00Z", "end": "2026-12-01T10:00:00Z"},
            "end",
            "after 'start'",
        ),
        (
            {"person": "lukas", "start": "2026-12-01T10:00:00", "end": "2026-12-01T12:00:00Z"},
            "start",
            "time zone",
        ),
        ({"person": "lukas", "start": "soon", "end": "2026-12-01T12:00:00Z"}, "start", "datetime"),
        (  # the clock says 2026-12-01 09:00 UTC: an override that is over changes nobody's shift
            {"person": "lukas", "start": "2026-11-30T10:00:00Z", "end": "2026-12-01T08:00:00Z"},
            "end",
            "the override is in the past: it ends 2026-12-01 08:00 UTC, and it is 2026-12-01 09:00 UTC now",
        ),
    ],
)
def test_bad_overrides_are_refused_naming_the_field(
    as_: ClientFactory, body: dict[str, str], field: str, fragment: str
) -> None:
    client = as_("amara")
    response = client.post("/api/v1/schedules/sre-8-hour/overrides", json=body)
    assert response.status_code == 422
    assert any(e["field"] == field and fragment in e["message"] for e in response.json()["errors"]), (
        response.json()
    )
    assert client.get("/api/v1/schedules/sre-8-hour/overrides").json() == []


def test_gaps_are_listed_by_role(as_: ClientFactory, db: Database, clock: FakeClock) -> None:
    client = as_("amara", TokenRole.VIEWER)
    assert client.get("/api/v1/oncall/gaps", params={"days": 30}).json() == []
    text = DEMO_CONFIG.read_text()
    without_apac = text.replace(
        "      - name: APAC\n        rotation: {members: [aiko, ravi]",
        "      - name: XX\n        rotation: {members: [aiko, ravi]",
    )
    # drop the base layer of the follow-the-sun schedule: nights are uncovered
    lines = without_apac.splitlines(keepends=True)
    lines = [line for line in lines if "name: XX" not in line and "members: [aiko, ravi]" not in line]
    apply_config(db, load_config("".join(lines)), now=clock.now(), applied_by="t")
    found = client.get("/api/v1/oncall/gaps", params={"days": 2}).json()
    assert found[0] == {
        "role": "eoc",
        "schedule": "sre-8-hour",
        "start": "2026-12-02T00:00:00Z",
        "end": "2026-12-02T08:00:00Z",
    }
    assert len(found) == 2


def test_a_handoff_note_reaches_the_next_person_on_the_role(as_: ClientFactory, clock: FakeClock) -> None:
    clock.set(clock.now().replace(hour=7))  # aiko's APAC shift, before EMEA starts at 08:00
    old = as_("aiko").post("/api/v1/handoffs", json={"role": "eoc", "text": "old news"})
    assert old.status_code == 201
    clock.advance(timedelta(days=1))
    note = as_("aiko").post(
        "/api/v1/handoffs", json={"role": "eoc", "text": "muted DiskFull on git-03: flapping"}
    )
    assert note.json()["author"] == "aiko"
    clock.advance(timedelta(hours=2))  # amara's EMEA shift
    seen = as_("amara", TokenRole.VIEWER).get("/api/v1/handoffs", params={"role": "eoc"}).json()
    assert seen["oncall"]["person"] == "amara"
    assert [n["text"] for n in seen["notes"]] == ["muted DiskFull on git-03: flapping"]
    empty = as_("aiko").post("/api/v1/handoffs", json={"role": "eoc", "text": ""})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "text"


def test_calendar_feeds_are_secret_urls_with_the_final_shifts_and_can_be_revoked(
    anon: TestClient, as_: ClientFactory
) -> None:
    amara = as_("amara", TokenRole.VIEWER)
    feed = amara.post("/api/v1/schedules/sre-managers/feeds").json()
    path = feed["url"].removeprefix("http://testserver")
    response = anon.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert events and all("On call: " in str(e["SUMMARY"]) for e in events)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == []  # sre-managers is shown in UTC
    mine = amara.post("/api/v1/people/amara/feeds").json()
    mine_cal = icalendar.Calendar.from_ical(anon.get(mine["url"].removeprefix("http://testserver")).content)
    assert [str(tz["TZID"]) for tz in mine_cal.walk("VTIMEZONE")] == ["Europe/London"]
    assert all("Amara Okafor" in str(e["SUMMARY"]) for e in mine_cal.walk("VEVENT"))
    assert amara.post("/api/v1/people/lukas/feeds").status_code == 403
    assert as_("amara").delete(f"/api/v1/feeds/{feed['id']}").status_code == 204
    assert anon.get(path).status_code == 404
