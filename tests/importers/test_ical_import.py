"""`onwatch import ical`: a rotation published as iCalendar (RRULE, EXDATE, RECURRENCE-ID) becomes
an onwatch schedule plus overrides, and `--verify` compares the feed's events with onwatch's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from typer.testing import CliRunner

from onwatch.cli.main import app
from onwatch.config.loader import load_config_file
from onwatch.importers.ical.feed import parse_feed
from onwatch.importers.ical.run import import_ical
from onwatch.importers.report import SourceError

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)  # Berlin moves to summer time on 2027-03-28
PEOPLE = """organisation: {name: Acme}
people:
  ann: {name: Ann Arbor, email: ann@acme.example}
  bob: {name: Bob Brown, email: bob@acme.example}
  cem: {name: Cem Cakir, email: cem@acme.example}
  dan: {name: Dan Dorn, email: dan@acme.example}
"""


def event(uid: str, start: datetime, end: datetime, who: str, *, rrule: str | None = None) -> icalendar.Event:
    e = icalendar.Event()
    e.add("uid", uid)
    e.add("dtstamp", NOW)
    e.add("dtstart", start)
    e.add("dtend", end)
    e.add("summary", f"On call: {who.split('@')[0].title()}")
    if "@" in who:
        e.add("attendee", f"mailto:{who}")
    if rrule:
        e.add("rrule", icalendar.vRecur.from_ical(rrule))
    return e


def weekly_feed() -> bytes:
    """Ann, Bob and Cem take weeks in turn (Monday 09:00 Berlin), each a series every third week;
    Cem's week of 2027-03-22 is taken out (EXDATE) and Dan covers it; Bob's week of 2027-04-05 is
    moved to Cem (an instance with a RECURRENCE-ID)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test//rotation//EN")
    cal.add("version", "2.0")
    first = datetime(2027, 1, 4, 9, 0, tzinfo=BERLIN)
    for i, who in enumerate(["ann@acme.example", "bob@acme.example", "cem@acme.example"]):
        start = first + timedelta(weeks=i)
        series = event(
            f"{who}-series", start, start + timedelta(weeks=1), who, rrule="FREQ=WEEKLY;INTERVAL=3"
        )
        if who.startswith("cem"):
            series.add("exdate", datetime(2027, 3, 22, 9, 0, tzinfo=BERLIN))
        cal.add_component(series)
    swap = datetime(2027, 3, 22, 9, 0, tzinfo=BERLIN)
    cal.add_component(event("dan-swap", swap, swap + timedelta(weeks=1), "dan@acme.example"))
    moved = datetime(2027, 4, 5, 9, 0, tzinfo=BERLIN)
    instance = event("bob@acme.example-series", moved, moved + timedelta(weeks=1), "cem@acme.example")
    instance.add("recurrence-id", moved)
    cal.add_component(instance)
    return bytes(cal.to_ical())


@pytest.fixture
def config(tmp_path: Path) -> Path:
    out = tmp_path / "onwatch.yaml"
    out.write_text(PEOPLE)
    return out


def test_the_feed_is_expanded_as_a_calendar_reader_expands_it() -> None:
    data = weekly_feed()
    since, until = NOW, NOW + timedelta(days=90)
    ours = {(o.start, o.end, o.who) for o in parse_feed(data, BERLIN, since, until)}
    theirs = {
        (
            e["DTSTART"].dt.astimezone(UTC),
            e["DTEND"].dt.astimezone(UTC),
            str(e["ATTENDEE"]).removeprefix("mailto:"),
        )
        for e in recurring_ical_events.of(icalendar.Calendar.from_ical(data)).between(since, until)
    }
    assert ours == theirs and len(ours) == 13  # the weeks from 2027-03-01 on


def test_an_ical_rotation_with_exdate_and_a_moved_instance_imports_and_verifies(config: Path) -> None:
    done = import_ical(
        weekly_feed(), config, schedule="Platform", zone="Europe/Berlin", now=NOW, verify_days=60
    )
    assert done.differences == []
    rotation = load_config_file(config).schedules["platform"].layers[0].rotation
    assert (rotation.members, rotation.shift, rotation.handoff.hour, rotation.timezone) == (
        ["cem", "ann", "bob"], timedelta(weeks=1), 9, "Europe/Berlin",
    )  # fmt: skip
    assert rotation.start.isoformat() == "2027-03-01"  # Cem's week: the first one not over
    # the swap and the moved week are overrides, across the DST change at 09:00 Berlin time
    assert [(o.person, o.start, o.end) for o in done.result.overrides] == [
        ("dan", datetime(2027, 3, 22, 8, 0, tzinfo=UTC), datetime(2027, 3, 29, 7, 0, tzinfo=UTC)),
        ("cem", datetime(2027, 4, 5, 7, 0, tzinfo=UTC), datetime(2027, 4, 12, 7, 0, tzinfo=UTC)),
    ]
    script = (config.parent / "onwatch.overrides.sh").read_text()
    assert "onwatch override add platform dan --from 2027-03-22T08:00:00Z --to 2027-03-29T07:00:00Z" in script
    again = import_ical(weekly_feed(), config, schedule="Platform", zone="Europe/Berlin", now=NOW)
    assert not again.written.changed and not again.overrides_changed


class _Feed(BaseHTTPRequestHandler):
    body = b""

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path != "/rota.ics":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture
def feed_url() -> Iterator[str]:
    """Business hours, a day each in turn: Ann and Bob every other day, 09:00-17:00 in UTC."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test//rotation//EN")
    cal.add("version", "2.0")
    first = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=3)
    for i, who in enumerate(["ann@acme.example", "bob@acme.example"]):
        start = first + timedelta(days=i)
        cal.add_component(
            event(f"{who}-days", start, start + timedelta(hours=8), who, rrule="FREQ=DAILY;INTERVAL=2")
        )
    handler = type("Feed", (_Feed,), {"body": bytes(cal.to_ical())})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/rota.ics"
    finally:
        server.shutdown()
        server.server_close()


def test_business_hours_from_a_feed_url_become_windows_and_verify(config: Path, feed_url: str) -> None:
    args = [
        "import",
        "ical",
        "--url",
        feed_url,
        "--schedule",
        "Office hours",
        "--zone",
        "UTC",
        "--out",
        str(config),
    ]
    result = CliRunner().invoke(app, [*args, "--verify"])
    assert result.exit_code == 0, result.output
    assert "verified: 1 schedule(s) agree shift by shift over 28 days" in result.output
    layer = load_config_file(config).schedules["office-hours"].layers[0]
    assert layer.rotation.shift == timedelta(days=1) and layer.rotation.members in (
        ["ann", "bob"],
        ["bob", "ann"],
    )
    assert [(w.since.hour, w.until.hour, len(w.days)) for w in layer.windows] == [(9, 17, 7)]


def test_a_feed_that_is_no_rotation_is_refused_naming_the_schedule(config: Path) -> None:
    cal = icalendar.Calendar()
    start = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    for i, hours in enumerate([5, 30, 2, 70, 11]):  # no shift length or step repeats
        cal.add_component(event(f"e{i}", start, start + timedelta(hours=hours), "ann@acme.example"))
        start += timedelta(hours=hours * 3 + i)
    before = config.read_text()
    with pytest.raises(SourceError, match="schedule 'Odd': "):
        import_ical(bytes(cal.to_ical()), config, schedule="Odd", zone="UTC", now=NOW)
    assert config.read_text() == before


def test_someone_the_config_does_not_know_is_listed_by_their_event(config: Path) -> None:
    cal = icalendar.Calendar.from_ical(weekly_feed())
    stranger = datetime(2027, 3, 8, 9, 0, tzinfo=BERLIN)
    cal.add_component(event("zed", stranger, stranger + timedelta(hours=4), "zed@elsewhere.example"))
    done = import_ical(bytes(cal.to_ical()), config, schedule="Platform", zone="Europe/Berlin", now=NOW)
    lost = {u.source: u.reason for u in done.result.unsupported}
    assert lost["ical.zed@2027-03-08T08:00:00+00:00"] == f"'zed@elsewhere.example' is nobody in {config}"


def test_an_unreachable_feed_and_an_unknown_zone_are_clear_messages(config: Path) -> None:
    base = ["import", "ical", "--schedule", "P", "--out", str(config)]
    down = CliRunner().invoke(app, [*base, "--zone", "UTC", "--url", "http://127.0.0.1:9/rota.ics"])
    assert (
        down.exit_code == 1 and "error: cannot reach the feed at http://127.0.0.1:9/rota.ics" in down.output
    )
    ics = config.parent / "rota.ics"
    ics.write_bytes(weekly_feed())
    zone = CliRunner().invoke(app, [*base, "--zone", "Europe/Atlantis", "--file", str(ics)])
    assert zone.exit_code == 1 and "--zone Europe/Atlantis: unknown time zone" in zone.output
    assert config.read_text() == PEOPLE
