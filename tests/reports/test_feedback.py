"""Feedback on a page: a signed link per choice in the page itself, the API, the thread on the
group's timeline, and the follow-up that incorrect and flappy pages open for the alert rule
(owner: the EOC on call), mirrored to a tracker webhook. Both databases, the demo clock
(Tue 2026-12-01 09:00Z: amara is the EOC), real loopback receivers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import ConfigError, load_config
from onwatch.directory.tokens import TokenRole
from onwatch.notify.webhook import verify_signature
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import demo_everyone_on_webhook, notifications, process_bench
from tests.receivers import SmtpSink, WebhookSink

CHOICES = ("actionable", "not_actionable", "incorrect", "flappy")


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def with_tracker(bench: PagingBench) -> None:
    """The demo with a `tracker` webhook channel that hears of every follow-up."""
    text = demo_everyone_on_webhook(bench.webhook).replace(
        "channels:\n",
        f"channels:\n  tracker: {{type: webhook, name: Tracker, url: '{bench.webhook.url}?to=tracker', "
        "secret: tracker-key}\n",
        1,
    )
    text += "\nfollow_ups: {webhook: tracker}\n"
    apply_config(bench.db, load_config(text), now=bench.clock.now(), applied_by="tests")


def feedback_links(bench: PagingBench, person: str = "amara") -> dict[str, str]:
    [page] = notifications(bench, person, "page")
    links = page["links"]
    return {c: links[f"feedback_{c}"].removeprefix("http://onwatch.test") for c in CHOICES}


def test_every_page_carries_a_signed_feedback_link_per_choice_and_only_the_post_records(
    bench: PagingBench,
) -> None:
    group = bench.fire().json()["groups"][0]
    links = feedback_links(bench)
    assert all(link.startswith("/f/") for link in links.values())
    shown = bench.api.get(links["not_actionable"])
    assert shown.status_code == 200 and f"Mark alert group #{group} not actionable?" in shown.text
    api = bench.client("amara")
    assert api.get(f"/api/v1/alert-groups/{group}/feedback").json()["feedback"] == []  # a scanner's GET
    done = bench.api.post(
        links["not_actionable"], data={"comment": "the disk alert at 80% wakes nobody's users"}
    )
    assert done.status_code == 200 and "marked not actionable" in done.text
    [entry] = api.get(f"/api/v1/alert-groups/{group}/feedback").json()["feedback"]
    assert (entry["choice"], entry["author"], entry["interface"]) == ("not_actionable", "amara", "link")
    assert entry["comment"] == "the disk alert at 80% wakes nobody's users"
    events = api.get(f"/api/v1/alert-groups/{group}").json()["timeline"]
    assert [e["message"] for e in events if e["kind"] == "feedback"] == [
        "amara marked the page not actionable: the disk alert at 80% wakes nobody's users"
    ]


def test_a_tampered_or_misused_feedback_link_is_refused_and_records_nothing(bench: PagingBench) -> None:
    group = bench.fire().json()["groups"][0]
    links = feedback_links(bench)
    token = links["actionable"].removeprefix("/f/")
    body, signature = token.split(".")
    forged = f"/f/{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{signature}"
    assert bench.api.get(forged).status_code == 404 and bench.api.post(forged).status_code == 404
    assert bench.api.post(links["actionable"][:-3] + "xyz").status_code == 404
    # a feedback link never acknowledges, and an acknowledge link never records feedback
    assert bench.api.post(f"/a/{token}").status_code == 404
    [page] = notifications(bench, "amara", "page")
    ack_token = page["links"]["acknowledge"].rsplit("/", 1)[-1]
    assert bench.api.post(f"/f/{ack_token}").status_code == 404
    api = bench.client("amara")
    assert api.get(f"/api/v1/alert-groups/{group}/feedback").json()["feedback"] == []
    assert api.get(f"/api/v1/alert-groups/{group}").json()["status"] == "triggered"


def test_a_feedback_link_expires_after_seven_days(bench: PagingBench) -> None:
    bench.fire()
    link = feedback_links(bench)["flappy"]
    bench.advance(7 * 24 * 60 + 1)
    assert bench.api.post(link).status_code == 404


def test_flappy_opens_a_follow_up_owned_by_the_current_eoc_for_the_alert_rule(bench: PagingBench) -> None:
    group = bench.fire(alertname="DiskFilling").json()["groups"][0]
    given = bench.client("nadia").post(
        f"/api/v1/alert-groups/{group}/feedback", json={"choice": "flappy", "comment": "fires every deploy"}
    )
    assert given.status_code == 201, given.text
    item = given.json()["follow_up"]
    assert (item["owner_id"], item["alertname"], item["integration_id"]) == (
        "amara",
        "DiskFilling",
        "prometheus",
    )
    assert (item["reason"], item["status"], item["created_by"]) == ("flappy", "open", "nadia")
    listed = bench.client("amara", TokenRole.VIEWER).get("/api/v1/follow-ups", params={"status": "open"})
    assert [f["id"] for f in listed.json()] == [item["id"]]
    closed = bench.client("amara").post(
        f"/api/v1/follow-ups/{item['id']}/close", json={"note": "for: 10m added to the rule"}
    )
    assert closed.json()["status"] == "closed" and closed.json()["closed_by"] == "amara"
    assert bench.client().get("/api/v1/follow-ups", params={"status": "open"}).json() == []
    again = bench.client("amara").post(f"/api/v1/follow-ups/{item['id']}/close", json={})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "follow_up_id"
    kinds = [e["kind"] for e in bench.client().get(f"/api/v1/alert-groups/{group}").json()["timeline"]]
    assert kinds[-3:] == ["feedback", "follow_up", "follow_up"]


def test_actionable_and_not_actionable_open_no_follow_up_and_comments_form_the_thread(
    bench: PagingBench,
) -> None:
    group = bench.fire().json()["groups"][0]
    api = bench.client("amara")
    assert (
        api.post(f"/api/v1/alert-groups/{group}/feedback", json={"choice": "actionable"}).json()["follow_up"]
        is None
    )
    api.post(f"/api/v1/alert-groups/{group}/feedback", json={"comment": "rolled back the deploy"})
    bench.client("lukas").post(
        f"/api/v1/alert-groups/{group}/feedback", json={"comment": "confirmed, errors gone"}
    )
    thread = api.get(f"/api/v1/alert-groups/{group}/feedback").json()
    assert [(f["author"], f["choice"], f["comment"]) for f in thread["feedback"]] == [
        ("amara", "actionable", ""),
        ("amara", None, "rolled back the deploy"),
        ("lukas", None, "confirmed, errors gone"),
    ]
    assert thread["follow_ups"] == [] and api.get("/api/v1/follow-ups").json() == []


def test_empty_or_unknown_feedback_is_refused_naming_the_field_and_nothing_is_stored(
    bench: PagingBench,
) -> None:
    group = bench.fire().json()["groups"][0]
    api = bench.client("amara")
    empty = api.post(f"/api/v1/alert-groups/{group}/feedback", json={"comment": "   "})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "choice"
    unknown = api.post(f"/api/v1/alert-groups/{group}/feedback", json={"choice": "meh"})
    assert unknown.status_code == 422 and "choice" in unknown.text
    nul = api.post(f"/api/v1/alert-groups/{group}/feedback", json={"choice": "flappy", "comment": "a\u0000b"})
    assert nul.status_code == 400 and "comment" in nul.text
    missing = api.post("/api/v1/alert-groups/999/feedback", json={"choice": "flappy"})
    assert missing.status_code == 404
    viewer = bench.client("amara", TokenRole.VIEWER).post(
        f"/api/v1/alert-groups/{group}/feedback", json={"choice": "flappy"}
    )
    assert viewer.status_code == 403
    assert api.get(f"/api/v1/alert-groups/{group}/feedback").json() == {"feedback": [], "follow_ups": []}


def test_the_tracker_webhook_mirrors_each_follow_up_created_and_closed_signed(bench: PagingBench) -> None:
    with_tracker(bench)
    group = bench.fire().json()["groups"][0]
    item = (
        bench.client("amara")
        .post(f"/api/v1/alert-groups/{group}/feedback", json={"choice": "incorrect"})
        .json()["follow_up"]
    )
    bench.client("amara").post(f"/api/v1/follow-ups/{item['id']}/close", json={"note": "threshold fixed"})
    bench.worker.run_once()
    # both were queued before the engine ran: they may arrive in either order, each with the whole item
    sent = sorted(
        (r for r in bench.webhook.requests if "to=tracker" in r.path), key=lambda r: r.idempotency_key or ""
    )
    assert [r.idempotency_key for r in sent] == [
        f"follow_up:{item['id']}:closed:tracker", f"follow_up:{item['id']}:created:tracker"
    ]  # fmt: skip
    for request in sent:
        assert verify_signature("tracker-key", request.headers["X-Onwatch-Timestamp"], request.body,
                                request.headers["X-Onwatch-Signature"],
                                now=float(request.headers["X-Onwatch-Timestamp"]))  # fmt: skip
    closed, created = (r.json["notification"]["ref"] for r in sent)
    assert (created["change"], created["status"], created["owner"]) == ("created", "open", "amara")
    assert (closed["change"], closed["status"], closed["close_note"]) == (
        "closed",
        "closed",
        "threshold fixed",
    )
    assert created["alertname"] == "HighErrorRate" and created["integration"] == "prometheus"


def test_a_follow_up_webhook_must_name_a_webhook_channel(bench: PagingBench) -> None:
    text = demo_everyone_on_webhook(bench.webhook)
    with pytest.raises(ConfigError) as unknown:
        load_config(text + "\nfollow_ups: {webhook: nowhere}\n")
    assert [i.path for i in unknown.value.issues] == ["follow_ups.webhook"]
    with pytest.raises(ConfigError) as slack:
        load_config(text + "\nfollow_ups: {webhook: production}\n")
    assert "not of type webhook" in str(slack.value.issues[0])
