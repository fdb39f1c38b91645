"""Contact methods and channels on the new media: each target is checked when the config loads, and
a bad one is an error naming its path."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onwatch.config.loader import ConfigError, load_config
from onwatch.paging.domain.urgency import LOW, page_urgency, working_start
from tests.conftest import DEMO_CONFIG
from tests.notify.bench import with_methods


def issues_for(methods: str) -> list[str]:
    with pytest.raises(ConfigError) as failure:
        load_config(with_methods(DEMO_CONFIG.read_text(), {"amara": methods}))
    return [str(issue) for issue in failure.value.issues]


def test_every_new_contact_method_loads() -> None:
    methods = (
        "[{type: ntfy, topic: amara-pages}, {type: telegram, chat: '123456789'},"
        " {type: sms, number: '+447700900123'}, {type: voice, number: '+447700900123', urgency: high},"
        " {type: pushover, user_key: uQiRzpo4DXghDmr9QzzfQu27cmVRsG}, {type: teams, url: 'https://x.example/wf'},"
        " {type: mattermost, url: 'https://mm.example/hooks/x'}, {type: matrix, room: '!abc:matrix.org'},"
        " {type: discord, url: 'https://discord.com/api/webhooks/1/t'}, {type: apprise, url: 'json://127.0.0.1:9/x'}]"
    )
    config = load_config(with_methods(DEMO_CONFIG.read_text(), {"amara": methods}))
    assert [m.type.value for m in config.people["amara"].contact_methods] == [
        "ntfy", "telegram", "sms", "voice", "pushover", "teams", "mattermost", "matrix", "discord", "apprise",
    ]  # fmt: skip


def test_an_invalid_phone_number_is_a_config_error_naming_its_path() -> None:
    [issue] = issues_for("[{type: sms, number: '07700 900123'}]")
    assert (
        issue.startswith("people.amara.contact_methods[0]") and "invalid phone number '07700 900123'" in issue
    )


def test_an_invalid_ntfy_topic_is_a_config_error_naming_its_path() -> None:
    [issue] = issues_for(
        "[{type: email, address: amara@illumidesk.example}, {type: ntfy, topic: 'my topic!'}]"
    )
    assert issue.startswith("people.amara.contact_methods[1]") and "invalid ntfy topic" in issue


def test_an_unknown_apprise_scheme_is_a_config_error_naming_its_path() -> None:
    [issue] = issues_for("[{type: apprise, url: 'nosuchservice://token@host'}]")
    assert (
        issue.startswith("people.amara.contact_methods[0]")
        and "unknown Apprise scheme 'nosuchservice'" in issue
    )


def test_working_hours_are_checked() -> None:
    text = DEMO_CONFIG.read_text().replace(
        "timezone: Europe/London, chat_id: U01AMARA,",
        "timezone: Europe/London, chat_id: U01AMARA, working_hours: {from: '18:00', to: '09:00'},",
    )
    with pytest.raises(ConfigError) as failure:
        load_config(text)
    assert "people.amara.working_hours" in str(failure.value)


def test_a_low_urgency_service_or_severity_makes_the_page_low_urgency() -> None:
    assert page_urgency("low", "critical", []) == LOW
    assert page_urgency("high", "Warning", ["warning"]) == LOW
    assert page_urgency("high", "critical", ["warning"]) == "high"


WEEKDAYS = frozenset(range(5))


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(["Asia/Tokyo", "Europe/London", "America/Los_Angeles", "Australia/Sydney"]),
)
def test_a_low_urgency_page_starts_inside_working_hours_and_never_later_than_needed(
    now: datetime, zone: str
) -> None:
    start = working_start(now, zone, time(9), time(17), WEEKDAYS)
    local = start.astimezone(ZoneInfo(zone))
    assert start >= now and start - now < timedelta(days=4)
    assert local.weekday() in WEEKDAYS and time(9) <= local.time() < time(17)
    if start > now:  # it waited: it starts as working hours open, and nothing between was working time
        assert local.time() == time(9)
        assert working_start(start - timedelta(minutes=1), zone, time(9), time(17), WEEKDAYS) == start
