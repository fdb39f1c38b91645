"""Corrective-action reminders through the engine's durable timers, on the fake clock: the owner
two days before the due date, on it, and a day after it (then the IMOC too: the one who conducted
the review, or the IMOC on call for a near miss); each exactly once; a closed action is quiet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from tests.paging_helpers import PagingBench, make_bench, running
from tests.process_helpers import demo_everyone_on_webhook, notifications
from tests.receivers import SmtpSink, WebhookSink
from tests.reviews.helpers import ok

DUE = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # a Thursday
BEFORE, OVERDUE = DUE - timedelta(days=2), DUE + timedelta(days=1)


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    """The demo organisation at Tue 2026-12-01 09:00Z, everyone on the webhook sink but the incident
    managers nadia and tom, who read their email (the SMTP sink)."""
    text = demo_everyone_on_webhook(webhook_sink)
    for person in ("nadia", "tom"):
        text = text.replace(
            f"contact_methods: [{{type: webhook, url: '{webhook_sink.url}?to={person}'}}]",
            f"contact_methods: [{{type: email, address: {person}@illumidesk.example}}]",
        )
    assert "address: tom@illumidesk.example" in text
    b = make_bench(onwatch, webhook_sink, smtp_sink)
    apply_config(onwatch.db, load_config(text), now=onwatch.clock.now(), applied_by="tests")
    with running(b) as b:
        yield b


def at(bench: PagingBench, when: datetime) -> None:
    """Time moves to `when` in steps of 6 hours, the worker running at each (timers, then the outbox)."""
    while bench.clock.now() < when:
        bench.clock.set(min(bench.clock.now() + timedelta(hours=6), when))
        bench.worker.run_once()
        bench.worker.run_once()


def reviewed_s2(bench: PagingBench) -> int:
    """maria declares an S2, the EOC lukas and the IMOC nadia engage, nadia resolves: its review is
    owned by lukas and conducted by nadia."""
    maria, lukas, nadia = bench.client("maria"), bench.client("lukas"), bench.client("nadia")
    n = ok(maria.post("/api/v1/incidents", json={"title": "Checkout errors", "severity": "S2"}), 201)["id"]
    ok(lukas.post(f"/api/v1/incidents/{n}/roles/eoc/engage", json={}))
    ok(nadia.post(f"/api/v1/incidents/{n}/roles/imoc/engage", json={}))
    ok(nadia.post(f"/api/v1/incidents/{n}/resolve"))
    review = ok(lukas.get(f"/api/v1/incidents/{n}/review"))
    assert (review["owner"], review["conductor"]) == ("lukas", "nadia")
    return int(review["id"])


def add_action(bench: PagingBench, review_id: int, title: str, owner: str) -> int:
    body = {"title": title, "owner": owner, "due": DUE.isoformat()}
    action = ok(bench.client("lukas").post(f"/api/v1/reviews/{review_id}/actions", json=body), 201)
    assert action["due_at"].startswith("2026-12-10T12:00")
    return int(action["id"])


def action_reminders(bench: PagingBench, person: str) -> list[tuple[str, str]]:
    return [
        (n["title"], n["text"])
        for n in notifications(bench, person, "reminder")
        if n["title"].startswith("Corrective action")
    ]


def mailed(bench: PagingBench, person: str) -> list[tuple[str, str]]:
    return [
        (str(m.message["Subject"]), m.part("text/plain"))
        for m in bench.smtp.mails
        if f"{person}@illumidesk.example" in m.rcpt_tos and "Corrective action" in str(m.message["Subject"])
    ]


def test_the_owner_is_reminded_before_on_and_after_the_due_date_and_the_imoc_after_it(
    bench: PagingBench,
) -> None:
    rid = reviewed_s2(bench)
    aid = add_action(bench, rid, "Alert on checkout 5xx ratio", "aiko")
    soon = (
        "Corrective action due soon: Alert on checkout 5xx ratio",
        f"Corrective action #{aid} of review #{rid} is due on 2026-12-10 12:00 UTC.",
    )
    today = (
        "Corrective action due today: Alert on checkout 5xx ratio",
        f"Corrective action #{aid} of review #{rid} is due now (2026-12-10 12:00 UTC).",
    )
    late = (
        "Corrective action overdue: Alert on checkout 5xx ratio",
        f"Corrective action #{aid} of review #{rid} was due on 2026-12-10 12:00 UTC "
        "and is not done: owner aiko.",
    )
    at(bench, BEFORE - timedelta(minutes=1))
    assert action_reminders(bench, "aiko") == []
    at(bench, BEFORE)
    assert action_reminders(bench, "aiko") == [soon]
    at(bench, DUE - timedelta(minutes=1))
    assert action_reminders(bench, "aiko") == [soon]
    at(bench, DUE)
    assert action_reminders(bench, "aiko") == [soon, today]
    assert mailed(bench, "nadia") == []  # the IMOC hears of it only once it is late
    # work starts: the change reschedules the reminders, and none of those sent goes out again
    ok(bench.client("aiko").patch(f"/api/v1/corrective-actions/{aid}", json={"status": "in_progress"}))
    at(bench, DUE + timedelta(hours=2))
    assert action_reminders(bench, "aiko") == [soon, today]
    at(bench, OVERDUE)
    assert action_reminders(bench, "aiko") == [soon, today, late]
    [(subject, body)] = mailed(bench, "nadia")
    assert subject == f"[onwatch] {late[0]}" and late[1] in body
    at(bench, OVERDUE + timedelta(days=10))  # once each
    assert action_reminders(bench, "aiko") == [soon, today, late] and len(mailed(bench, "nadia")) == 1
    # nobody else: not the review's owner, not the IMOC on call that week
    assert action_reminders(bench, "lukas") == [] and mailed(bench, "tom") == []
    history = ok(bench.client("lukas").get(f"/api/v1/reviews/{rid}"))["history"]
    told = [e["message"] for e in history if "Corrective action" in e["message"]]
    assert told == [
        f"reminded aiko: {soon[0]}",
        f"reminded aiko: {today[0]}",
        f"reminded aiko, nadia: {late[0]}",
    ]


def test_a_completed_action_stops_its_reminders(bench: PagingBench) -> None:
    review_id = reviewed_s2(bench)
    done = add_action(bench, review_id, "Alert on checkout 5xx ratio", "aiko")
    dropped = add_action(bench, review_id, "Rewrite checkout", "ravi")
    at(bench, BEFORE)
    assert [t for t, _ in action_reminders(bench, "aiko")] == [
        "Corrective action due soon: Alert on checkout 5xx ratio"
    ]
    assert len(action_reminders(bench, "ravi")) == 1
    aiko, ravi = bench.client("aiko"), bench.client("ravi")
    ok(aiko.patch(f"/api/v1/corrective-actions/{done}", json={"status": "done"}))
    ok(ravi.patch(f"/api/v1/corrective-actions/{dropped}", json={"status": "wont_do", "reason": "retired"}))
    at(bench, OVERDUE + timedelta(days=3))
    assert len(action_reminders(bench, "aiko")) == 1 and len(action_reminders(bench, "ravi")) == 1
    assert mailed(bench, "nadia") == []
    # reopened, it is reminded again: it is late now, so once, to its owner and the IMOC
    ok(aiko.patch(f"/api/v1/corrective-actions/{done}", json={"status": "open"}))
    at(bench, OVERDUE + timedelta(days=4))
    assert [t for t, _ in action_reminders(bench, "aiko")][1:] == [
        "Corrective action overdue: Alert on checkout 5xx ratio"
    ]
    assert len(mailed(bench, "nadia")) == 1


def test_a_near_miss_action_late_reminds_the_imoc_on_call(bench: PagingBench) -> None:
    """A near miss has no conductor: once its action is late, the IMOC on call hears of it (tom,
    the week of 2026-12-07 on sre-managers)."""
    filed = ok(
        bench.client("aiko").post(
            "/api/v1/near-misses", json={"title": "Backups nearly filled /var", "severity": "S2"}
        ),
        201,
    )
    aid = add_action(bench, int(filed["id"]), "Move backups off /var", "aiko")
    at(bench, OVERDUE)
    assert [t for t, _ in action_reminders(bench, "aiko")] == [
        "Corrective action due soon: Move backups off /var",
        "Corrective action due today: Move backups off /var",
        "Corrective action overdue: Move backups off /var",
    ]
    [(subject, body)] = mailed(bench, "tom")
    assert subject == "[onwatch] Corrective action overdue: Move backups off /var"
    assert f"Corrective action #{aid} of review #{filed['id']} was due on 2026-12-10 12:00 UTC" in body
    assert mailed(bench, "nadia") == []
