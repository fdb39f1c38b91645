"""One timeline for incidents and alert groups: a page or an acknowledgement is written once, on its
alert group, and the incident the group belongs to shows it; the role a page was for is a fact, so
a role paged by hand is engaged when the person acknowledges."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.db.tables import timeline_events
from onwatch.db.uow import Database
from tests.paging_helpers import PagingBench, make_bench, running
from tests.receivers import SmtpSink, WebhookSink
from tests.web_helpers import Browser, set_passwords

ONWATCH = str(Path(sys.executable).with_name("onwatch"))


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def page_imoc_from_the_cli(bench: PagingBench, group_id: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONWATCH_")}
    env["ONWATCH_DATABASE_URL"] = bench.db.engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [ONWATCH, "alerts", "page", str(group_id), "--role", "imoc", "--as", "amara"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def page_imoc_from_the_api(bench: PagingBench, group_id: int) -> None:
    paged = bench.client("amara").post(f"/api/v1/alert-groups/{group_id}/page", json={"role": "imoc"})
    assert paged.status_code == 200, paged.text


@pytest.mark.parametrize("page_imoc", [page_imoc_from_the_api, page_imoc_from_the_cli], ids=["api", "cli"])
def test_a_role_paged_by_hand_is_engaged_when_the_person_acknowledges(
    bench: PagingBench, page_imoc: object
) -> None:
    group_id = bench.fire().json()["groups"][0]
    amara = bench.client("amara")
    incident_id = amara.post(f"/api/v1/alert-groups/{group_id}/incident", json={"severity": "S3"}).json()[
        "incident_id"
    ]
    assert callable(page_imoc)
    page_imoc(bench, group_id)
    timeline = amara.get(f"/api/v1/alert-groups/{group_id}").json()["timeline"]
    by_hand = [e for e in timeline if e["kind"] == "paged" and "(by amara)" in e["message"]]
    assert [e["role"] for e in by_hand] == ["imoc"]
    imoc = by_hand[0]["person"]  # whoever holds the IMOC role when the CLI (real clock) or API pages

    acked = bench.client(imoc).post(f"/api/v1/alert-groups/{group_id}/acknowledge")
    assert acked.status_code == 200, acked.text
    incident = amara.get(f"/api/v1/incidents/{incident_id}").json()
    assert incident["roles"]["imoc"]["person"] == imoc
    assert (incident["owner"], incident["owner_role"]) == (imoc, "imoc")


def test_a_person_paged_by_hand_engages_no_role(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    amara = bench.client("amara")
    incident_id = amara.post(f"/api/v1/alert-groups/{group_id}/incident", json={"severity": "S3"}).json()[
        "incident_id"
    ]
    amara.post(f"/api/v1/alert-groups/{group_id}/page", json={"person": "grace"})
    bench.client("grace").post(f"/api/v1/alert-groups/{group_id}/acknowledge")
    roles = amara.get(f"/api/v1/incidents/{incident_id}").json()["roles"]
    assert all(held is None or held["person"] != "grace" for held in roles.values())


def stored_events(db: Database) -> list[tuple[int | None, int | None, str, str]]:
    with db.read() as uow:
        rows = uow.conn.execute(
            sa.select(
                timeline_events.c.incident_id,
                timeline_events.c.group_id,
                timeline_events.c.kind,
                timeline_events.c.message,
            ).order_by(timeline_events.c.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_pages_and_acks_of_a_linked_group_are_written_once_and_shown_on_both_timelines(
    bench: PagingBench,
) -> None:
    group_id = bench.fire().json()["groups"][0]
    amara = bench.client("amara")
    incident_id = amara.post(
        "/api/v1/incidents", json={"title": "Elevated 5xx on web", "severity": "S3", "services": ["web"]}
    ).json()["id"]
    title = amara.get(f"/api/v1/alert-groups/{group_id}").json()["title"]
    before = stored_events(bench.db)
    attached = amara.post(f"/api/v1/alert-groups/{group_id}/attach", json={"incident_id": incident_id})
    assert attached.status_code == 200, attached.text
    # linking copies nothing: the group says it was linked, the incident that it was
    assert stored_events(bench.db)[len(before) :] == [
        (None, group_id, "linked", f"linked to incident #{incident_id}"),
        (incident_id, None, "alerts_linked", f"amara linked alert group #{group_id}: {title}"),
    ]
    bench.advance(15)  # nobody acknowledged: the IMOC is paged, once, on the group
    amara.post(f"/api/v1/alert-groups/{group_id}/acknowledge")

    stored = stored_events(bench.db)
    assert [(g, k) for i, g, k, _m in stored if k in ("paged", "acknowledged")] == [
        (group_id, "paged"),
        (group_id, "paged"),
        (group_id, "acknowledged"),
    ]
    assert all(i is None for i, g, _k, _m in stored if g is not None)
    shown = amara.get(f"/api/v1/incidents/{incident_id}/timeline").json()
    mine = [e for e in shown if e["data"].get("alert_group") == group_id and e["kind"] != "alerts_linked"]
    assert [(e["kind"], e["message"]) for e in mine] == [
        ("paged", f"alert group #{group_id}: paged amara as EOC (step 1) via webhook at 0m, email at 2m"),
        ("paged", f"alert group #{group_id}: paged nadia as IMOC (step 2) via webhook at 0m"),
        ("alerts_acknowledged", f"alert group #{group_id}: amara acknowledged"),
    ]
    assert [e["id"] for e in shown] == sorted(e["id"] for e in shown)
    group = amara.get(f"/api/v1/alert-groups/{group_id}").json()
    # the group's own timeline also has each delivery's outcome (the incident's only failures)
    assert [e["kind"] for e in group["timeline"] if e["kind"] != "delivered"] == [
        "opened",
        "escalation_started",
        "paged",
        "linked",
        "paged",
        "acknowledged",
    ]
    # a client following the incident with ?after= sees what came after the id it has
    later = amara.get(f"/api/v1/incidents/{incident_id}/timeline", params={"after": mine[1]["id"]}).json()
    assert [e["kind"] for e in later if e["data"].get("alert_group") == group_id] == ["alerts_acknowledged"]


def test_the_alert_page_disables_what_the_api_refuses_with_the_same_reason(bench: PagingBench) -> None:
    group_id = bench.fire().json()["groups"][0]
    amara = bench.client("amara")
    amara.post(f"/api/v1/alert-groups/{group_id}/resolve")
    set_passwords(bench.db, bench.clock, "amara")
    assert isinstance(bench.api, TestClient)
    browser = Browser(bench.api)
    browser.sign_in("amara")
    page = browser.get(f"/alerts/{group_id}").text
    for action in ("acknowledge", "escalate", "page"):
        refused = amara.post(f"/api/v1/alert-groups/{group_id}/{action}", json={"role": "imoc"})
        assert refused.status_code == 409, refused.text
        reason = html.escape(refused.json()["detail"], quote=False)
        assert f'<span class="reason" id="why-{action}">{reason}</span>' in page
        assert re.search(f'value="{action}"[^>]* disabled', page), action
    assert '<span class="reason" id="why-resolve">already resolved</span>' in page
    shown = browser.post(f"/alerts/{group_id}/actions", {"action": "acknowledge"})
    assert shown.status_code == 409 and "nothing to acknowledge" in shown.text
