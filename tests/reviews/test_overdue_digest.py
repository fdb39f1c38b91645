"""The overdue digest through the engine's durable timers, on the fake clock: overdue reviews and
corrective actions go to each owner on Monday at 09:00 in their own zone (the default), in full to
the people and the channel the config names; once per period, across restarts and re-applied
configs. The next-digest rule is property-tested."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import ConfigError, load_config
from onwatch.reviews.domain.digest import next_slot
from tests.conftest import DEMO_CONFIG
from tests.databases import rebuilt
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import demo_everyone_on_webhook, notifications, posts_to, process_bench
from tests.receivers import SmtpSink, WebhookSink
from tests.reviews.helpers import ok

DEMO_DIGEST = 'digest: {every: week, weekday: mon, at: "09:00", zone: owner}'


FULL = "{to: [nadia], channel: incident_management}"


def with_digest(text: str, digest: str) -> str:
    """The demo config with another `reviews.digest`."""
    assert DEMO_DIGEST in text
    return text.replace(DEMO_DIGEST, f"digest: {digest}")


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as b:
        yield b


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def run_at(bench: PagingBench, when: datetime) -> None:
    bench.clock.set(when)
    bench.worker.run_once()


def digests(bench: PagingBench, person: str) -> list[str]:
    return [
        n["title"] + "\n" + n["text"]
        for n in notifications(bench, person, "reminder")
        if n["title"].startswith("Overdue:")
    ]


def overdue_history(bench: PagingBench) -> tuple[int, int]:
    """Tue 1 Dec: an S2 resolved (its review owned by lukas, Europe/Berlin, due Tue 15 Dec 09:30Z)
    with a corrective action owned by amara (Europe/London) due Thu 3 Dec."""
    maria, lukas = bench.client("maria"), bench.client("lukas")
    n = ok(maria.post("/api/v1/incidents", json={"title": "Checkout errors", "severity": "S2"}), 201)["id"]
    ok(lukas.post(f"/api/v1/incidents/{n}/roles/eoc/engage", json={}))
    bench.advance(30)
    ok(lukas.post(f"/api/v1/incidents/{n}/resolve"))
    rid = ok(lukas.get(f"/api/v1/incidents/{n}/review"))["id"]
    action = ok(
        lukas.post(
            f"/api/v1/reviews/{rid}/actions",
            json={"title": "Alert on checkout 5xx", "owner": "amara", "due": "2026-12-03T00:00:00Z"},
        ),
        201,
    )
    return int(rid), int(action["id"])


def test_the_overdue_digest_goes_to_each_owner_on_monday_at_nine_in_their_own_zone(
    bench: PagingBench,
) -> None:
    rid, aid = overdue_history(bench)
    run_at(bench, at(7, 8, 59))  # Monday 7 Dec, 08:59 in London
    assert digests(bench, "amara") == []
    run_at(bench, at(7, 9, 0))
    assert digests(bench, "amara") == [
        "Overdue: 1 corrective action\nCorrective actions past their due date:\n"
        f"- corrective action #{aid} Alert on checkout 5xx (review #{rid}, owner amara, open): "
        "due 2026-12-03, 4 days overdue"
    ]
    assert digests(bench, "lukas") == []  # his review is not due before the 15th
    run_at(bench, at(14, 8, 0))  # Monday 14 Dec, 09:00 in Berlin: the review is not overdue yet
    assert digests(bench, "lukas") == []
    run_at(bench, at(21, 7, 59))
    assert digests(bench, "lukas") == []
    run_at(bench, at(21, 8, 0))  # Monday 21 Dec, 09:00 in Berlin
    assert digests(bench, "lukas") == [
        f"Overdue: 1 review\nReviews past their due date:\n- review #{rid} Checkout errors "
        "(incident #1, owner lukas, Draft): due 2026-12-15, 5 days overdue"
    ]
    run_at(bench, at(21, 9, 0))
    assert len(digests(bench, "amara")) == 3  # 7, 14 and 21 December, once each


def test_the_imoc_on_call_gets_the_full_digest_unless_told_not_to(
    bench: PagingBench, onwatch: Onwatch, webhook_sink: WebhookSink
) -> None:
    _rid, aid = overdue_history(bench)
    run_at(bench, at(7, 9, 0))  # the organisation's hour (UTC)
    managers = {p: digests(bench, p) for p in ("nadia", "tom", "grace")}
    [(imoc, [full])] = [(p, d) for p, d in managers.items() if d]  # the IMOC on call, once
    assert f"corrective action #{aid} Alert on checkout 5xx" in full
    run_at(bench, at(7, 12, 0))
    assert len(digests(bench, imoc)) == 1
    apply_config(
        onwatch.db,
        load_config(with_digest(demo_everyone_on_webhook(webhook_sink), "{imoc: false}")),
        now=bench.clock.now(),
        applied_by="tests",
    )
    run_at(bench, at(14, 9, 0))
    assert len(digests(bench, "amara")) == 2 and len(digests(bench, imoc)) == 1


def test_a_period_gets_one_digest_across_restarts_and_configs_applied_again(
    bench: PagingBench, onwatch: Onwatch, webhook_sink: WebhookSink
) -> None:
    overdue_history(bench)
    run_at(bench, at(7, 9, 0))
    assert len(digests(bench, "amara")) == 1
    # another process starts its engine (ensure_chains) and the config is applied again
    other = rebuilt(onwatch)
    second = other.worker(bench.worker.channels)
    text = demo_everyone_on_webhook(webhook_sink)
    apply_config(onwatch.db, load_config(text), now=bench.clock.now(), applied_by="tests")
    for worker in (second, bench.worker, second):
        bench.clock.advance(timedelta(minutes=30))
        worker.run_once()
    assert len(digests(bench, "amara")) == 1
    # the next period's timer waits in the table: a restarted engine sends it
    bench.clock.set(at(14, 9, 0))
    second.run_once()
    bench.worker.run_once()
    assert len(digests(bench, "amara")) == 2


def test_the_people_and_the_channel_named_get_the_full_digest_at_the_organisations_hour(
    bench: PagingBench, onwatch: Onwatch, webhook_sink: WebhookSink
) -> None:
    apply_config(
        onwatch.db,
        load_config(with_digest(demo_everyone_on_webhook(webhook_sink), FULL)),
        now=bench.clock.now(),
        applied_by="tests",
    )
    _rid, aid = overdue_history(bench)
    run_at(bench, at(7, 8, 59))  # the organisation's zone is UTC
    assert digests(bench, "nadia") == []
    run_at(bench, at(7, 9, 0))
    [full] = digests(bench, "nadia")
    assert full.startswith("Overdue: 1 corrective action\n") and f"corrective action #{aid}" in full
    [posted] = [p for p in posts_to(bench, "incident-management") if "Overdue:" in p]
    assert "Alert on checkout 5xx" in posted
    run_at(bench, at(7, 12, 0))
    assert len(digests(bench, "nadia")) == 1
    assert len([p for p in posts_to(bench, "incident-management") if "Overdue:" in p]) == 1


def test_a_digest_to_an_unknown_person_or_channel_is_a_config_error_naming_the_path() -> None:
    text = with_digest(DEMO_CONFIG.read_text(), "{to: [nadia], at: '25:00'}")
    with pytest.raises(ConfigError) as err:
        load_config(text)
    found = {i.path for i in err.value.issues}
    assert "reviews.digest.at" in found
    text = with_digest(DEMO_CONFIG.read_text(), "{to: [nadia, ghost], channel: nowhere}")
    with pytest.raises(ConfigError) as err:
        load_config(text)
    assert {i.path: i.message for i in err.value.issues} == {
        "reviews.digest.to[1]": "unknown person 'ghost'",
        "reviews.digest.channel": "unknown channel 'nowhere'",
    }


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]


@given(
    after=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    weekly=st.booleans(),
    weekday=st.integers(0, 6),
    wall=st.times(),
    zone=st.sampled_from(ZONES),
)
def test_the_next_digest_is_the_first_slot_after_now_on_its_day_at_its_hour(
    after: datetime, weekly: bool, weekday: int, wall: time, zone: str
) -> None:
    slot = next_slot(after, weekly=weekly, weekday=weekday, at=wall, zone=zone)
    assert after < slot.at <= after + timedelta(days=8)
    local = slot.at.astimezone(ZoneInfo(zone))
    if not weekly:
        assert slot.period == local.date().isoformat() or local.time() != wall  # a DST gap moves it
    if weekly:
        assert slot.period.startswith(f"{local.isocalendar()[0]}-W") or local.time() != wall
    # nothing in between: asked a second before, or at any instant since `after`, the same slot
    just_before = slot.at - timedelta(seconds=1)
    if just_before >= after:
        assert next_slot(just_before, weekly=weekly, weekday=weekday, at=wall, zone=zone) == slot
    following = next_slot(slot.at, weekly=weekly, weekday=weekday, at=wall, zone=zone)
    assert following.at > slot.at and following.period != slot.period
