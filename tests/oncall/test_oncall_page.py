"""The on-call page's bars: whole names (initials on narrow bars) with a legend, a colour of its own
per person, and a "now" marker."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from onwatch.oncall.web import initials
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def page(onwatch: Onwatch, org: OnwatchConfig, db: Database, clock: FakeClock) -> Iterator[str]:
    set_passwords(db, clock, "amara")
    with TestClient(onwatch.api()) as client:
        browser = Browser(client)
        browser.sign_in("amara")
        yield browser.get("/oncall").text


def test_every_person_on_a_schedule_has_a_colour_of_their_own_and_a_legend_entry(page: str) -> None:
    legends = re.findall(r'<ul class="legend"[^>]*>(.*?)</ul>', page)
    assert legends, "no legend"
    for legend in legends:  # one per schedule
        entries = re.findall(r'<li><span class="swatch p(\d+)"></span> (\w+) = ([^<]+)</li>', legend)
        colours = [c for c, _, _ in entries]
        assert len(colours) == len(set(colours))  # distinct: no two people share a colour
    everyone = {(i, n) for legend in legends for i, n in re.findall(r"</span> (\w+) = ([^<]+)</li>", legend)}
    assert ("AO", "Amara Okafor") in everyone


def test_bars_carry_names_or_initials_and_a_now_marker(page: str) -> None:
    labels = re.findall(r'class="bar p\d+[^"]*"\s+style="[^"]*"\s+title="([^"]+)">([^<]+)</span>', page)
    assert labels, "no bars"
    for title, label in labels:
        name = title.split(":", 1)[0]
        assert label in (name, initials(name)), (title, label)
    assert 'class="now-marker" style="left: 0.0%"' in page  # the page starts at this hour: now is at its left


def test_initials() -> None:
    assert (initials("Amara Okafor"), initials("Lukas"), initials("Mary Ann Lee")) == ("AO", "LU", "MAL")
