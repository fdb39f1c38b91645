"""PROCESS.md §2-§4, §6, §9 run by onwatch itself: each test is one rule, driven by the fake clock
through the API and the engine, with every person and channel on a real loopback webhook."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import notifications, posts_to, process_bench, role_page_group, timeline
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def declare(bench: PagingBench, by: str = "amara", **body: object) -> dict[str, object]:
    payload = {"title": "Elevated 5xx on web", "severity": "S2", "services": ["web"], **body}
    response = bench.client(by).post("/api/v1/incidents", json=payload)
    assert response.status_code == 201, response.text
    bench.worker.run_once()
    return dict(response.json())


def kinds(bench: PagingBench, incident_id: object) -> list[str]:
    return [e["kind"] for e in timeline(bench, int(str(incident_id)))]


def test_s2_declaration_pages_imoc_and_announces_in_production(bench: PagingBench) -> None:
    incident = declare(bench, severity="S2")
    assert len(notifications(bench, "nadia", "page")) == 1
    production = posts_to(bench, "production")
    assert len(production) == 1
    for expected in ("Elevated 5xx on web", f"/incidents/{incident['id']}", "/document", "situation-room"):
        assert expected in production[0]
    assert len(posts_to(bench, "incident-management")) == 1
    assert len(posts_to(bench, "advocates")) == 1, "the advocates hear at the start of an incident"
    document = bench.client("lukas").get(f"/api/v1/incidents/{incident['id']}/document").json()
    assert document["version"] == 1 and "# Incident #1: Elevated 5xx on web" in document["body"]
    assert "every 15 minutes" in document["body"]


def test_s3_is_declared_with_one_short_command_and_pages_nobody(bench: PagingBench) -> None:
    response = bench.client("lukas").post(
        "/api/v1/incidents", json={"title": "Typo on pricing page", "severity": 3}
    )
    assert response.status_code == 201
    bench.worker.run_once()
    assert notifications(bench, "nadia") == [] and notifications(bench, "amara") == []
    assert len(posts_to(bench, "production")) == 1


def test_declaring_pages_the_roles_asked_for(bench: PagingBench) -> None:
    declare(bench, severity="S3", page=["eoc", "cmoc"])
    assert len(notifications(bench, "amara", "page")) == 1
    assert len(notifications(bench, "sofia", "page")) == 1
    assert notifications(bench, "nadia") == []


def test_s1_declaration_pages_the_cmoc_by_configuration(bench: PagingBench) -> None:
    incident = declare(bench, severity="S1")
    assert len(notifications(bench, "sofia", "page")) == 1
    assert "review-requested" in incident["labels"]


def test_acknowledging_the_imoc_page_engages_the_imoc_who_takes_ownership(bench: PagingBench) -> None:
    incident = declare(bench, by="lukas", severity="S2")
    n = incident["id"]
    amara = bench.client("amara")
    assert amara.post(f"/api/v1/incidents/{n}/roles/eoc/engage").json()["owner"] == "amara"
    group = role_page_group(bench, int(str(n)), "imoc")
    assert bench.client("nadia").post(f"/api/v1/alert-groups/{group}/acknowledge").status_code == 200
    after = amara.get(f"/api/v1/incidents/{n}").json()
    assert (after["owner"], after["owner_role"], after["imoc_required"]) == ("nadia", "imoc", False)
    assert after["roles"]["imoc"]["person"] == "nadia" and after["roles"]["imoc"]["engaged_at"]
    assert "owner_changed" in kinds(bench, n)


def test_unacknowledged_imoc_page_goes_to_the_director_after_15_minutes(bench: PagingBench) -> None:
    declare(bench, severity="S2")
    bench.advance(14)
    assert notifications(bench, "grace") == []
    bench.advance(1)
    assert len(notifications(bench, "grace", "page")) == 1


def test_investigating_for_31_minutes_after_eoc_engaged_pages_imoc(bench: PagingBench) -> None:
    n = declare(bench, severity="S3")["id"]
    bench.advance(2)
    bench.client("amara").post(f"/api/v1/incidents/{n}/roles/eoc/engage")
    bench.advance(29)
    assert notifications(bench, "nadia") == []
    bench.advance(2)  # 31 minutes after the EOC engaged
    assert len(notifications(bench, "nadia", "page")) == 1
    why = [
        e["message"] for e in timeline(bench, int(str(n))) if e["kind"] == "paged" and e["data"].get("role")
    ]
    assert why == [
        "onwatch paged the IMOC: Investigating for more than 30 minutes since the EOC engaged at 09:02 UTC"
    ]


def test_identified_within_30_minutes_does_not_page_imoc(bench: PagingBench) -> None:
    n = declare(bench, severity="S3")["id"]
    amara = bench.client("amara")
    amara.post(f"/api/v1/incidents/{n}/roles/eoc/engage")
    bench.advance(20)
    amara.post(f"/api/v1/incidents/{n}/state", json={"state": "identified"})
    bench.advance(60)
    assert notifications(bench, "nadia", "page") == []


def test_service_disruption_with_no_imoc_engaged_pages_imoc(bench: PagingBench) -> None:
    n = declare(bench, severity="S3")["id"]
    assert notifications(bench, "nadia") == []
    bench.client("amara").post(f"/api/v1/incidents/{n}/status", json={"status": "service_disruption"})
    bench.worker.run_once()
    assert len(notifications(bench, "nadia", "page")) == 1
    assert "IMOC required: status Service Disruption needs the IMOC engaged" in [
        e["message"] for e in timeline(bench, int(str(n)))
    ]


def test_cmoc_reminded_every_10_minutes_for_s1_investigating(bench: PagingBench) -> None:
    n = declare(bench, severity="S1")["id"]
    sofia = bench.client("sofia")
    sofia.post(f"/api/v1/alert-groups/{role_page_group(bench, int(str(n)), 'cmoc')}/acknowledge")
    assert sofia.get(f"/api/v1/incidents/{n}").json()["roles"]["cmoc"]["person"] == "sofia"
    bench.advance(9)
    assert notifications(bench, "sofia", "reminder") == []
    bench.advance(1)
    assert len(notifications(bench, "sofia", "reminder")) == 1
    bench.advance(10)
    assert len(notifications(bench, "sofia", "reminder")) == 2
    # posting an update resets the clock
    sofia.post(f"/api/v1/incidents/{n}/updates", json={"body": "We are investigating errors on web."})
    bench.advance(9)
    assert len(notifications(bench, "sofia", "reminder")) == 2
    bench.advance(1)
    assert len(notifications(bench, "sofia", "reminder")) == 3
    overdue = [e["message"] for e in timeline(bench, int(str(n))) if e["kind"] == "reminder"]
    assert (
        overdue[0]
        == "public update overdue (due 09:10 UTC, S1 investigating: every 10 minutes); reminded sofia (CMOC)"
    )
    assert len(overdue) == 3


def test_update_reminders_go_to_the_owner_until_a_cmoc_engages(bench: PagingBench) -> None:
    n = declare(bench, severity="S3")["id"]
    bench.client("amara").post(f"/api/v1/incidents/{n}/roles/eoc/engage")
    bench.client("amara").post(f"/api/v1/incidents/{n}/state", json={"state": "identified"})
    bench.advance(30)  # S3 identified: every 30 minutes
    assert [r["title"] for r in notifications(bench, "amara", "reminder")] == [
        "Public update due for incident #1: Elevated 5xx on web"
    ]


def test_an_incident_without_public_update_is_flagged_at_5_minutes_and_at_the_1_hour_limit(
    bench: PagingBench,
) -> None:
    n = declare(bench, severity="S4")["id"]
    bench.advance(5)
    missing = [e["message"] for e in timeline(bench, int(str(n))) if e["kind"] == "public_update_missing"]
    assert missing == ["5 minutes in with no public update: communicate publicly by 10:00 UTC"]
    bench.advance(55)
    missing = [e["message"] for e in timeline(bench, int(str(n))) if e["kind"] == "public_update_missing"]
    assert missing[-1] == "no public update within 60 minutes: deadline 10:00 UTC missed"


def test_a_public_update_in_time_means_no_flag(bench: PagingBench) -> None:
    n = declare(bench, severity="S4")["id"]
    bench.advance(3)
    bench.client("amara").post(f"/api/v1/incidents/{n}/updates", json={"body": "Investigating slow pages."})
    bench.advance(60)
    assert "public_update_missing" not in kinds(bench, n)


def test_security_incident_pages_security_and_stays_out_of_public_channels(bench: PagingBench) -> None:
    n = declare(bench, severity="S3", security=True, title="Token leaked in a public log")["id"]
    assert len(notifications(bench, "omar", "page")) == 1
    assert posts_to(bench, "production") == [] and posts_to(bench, "advocates") == []
    assert len(posts_to(bench, "incident-management")) == 1
    bench.advance(90)
    assert notifications(bench, "amara", "reminder") == [], "no public-update nagging while confidential"
    assert "public_update_missing" not in kinds(bench, n)


def test_report_pages_eoc_and_tells_the_reporter_when_the_eoc_engages(bench: PagingBench) -> None:
    response = bench.client("lukas").post("/api/v1/reports", json={"text": "Checkout hangs for some users"})
    assert response.status_code == 201, response.text
    bench.worker.run_once()
    pages = notifications(bench, "amara", "page")
    assert len(pages) == 1 and "Checkout hangs" in pages[0]["title"]
    group = response.json()["alert_group"]
    bench.client("amara").post(f"/api/v1/alert-groups/{group}/acknowledge")
    bench.worker.run_once()
    told = notifications(bench, "lukas", "notice")
    assert [t["title"] for t in told] == ["Amara Okafor (EOC) is looking into your report"]


def test_declaring_from_a_report_makes_the_eoc_who_took_it_the_owner_and_pages_imoc_for_s2(
    bench: PagingBench,
) -> None:
    group = (
        bench.client("lukas").post("/api/v1/reports", json={"text": "Checkout hangs"}).json()["alert_group"]
    )
    amara = bench.client("amara")
    amara.post(f"/api/v1/alert-groups/{group}/acknowledge")
    made = amara.post(
        f"/api/v1/alert-groups/{group}/incident", json={"severity": "S2", "title": "Checkout hangs"}
    )
    assert made.status_code == 201, made.text
    bench.worker.run_once()
    incident = amara.get(f"/api/v1/incidents/{made.json()['incident_id']}").json()
    assert (incident["owner"], incident["owner_role"]) == ("amara", "eoc")
    assert len(notifications(bench, "nadia", "page")) == 1


def test_paging_the_cmoc_on_demand_is_one_command_and_a_second_page_is_refused(bench: PagingBench) -> None:
    n = declare(bench, severity="S3")["id"]
    amara = bench.client("amara")
    first = amara.post(f"/api/v1/incidents/{n}/page", json={"role": "cmoc", "reason": "customers are asking"})
    assert first.status_code == 201, first.text
    bench.worker.run_once()
    assert len(notifications(bench, "sofia", "page")) == 1
    again = amara.post(f"/api/v1/incidents/{n}/page", json={"role": "cmoc"})
    assert again.status_code == 422 and "already paged" in again.json()["detail"]
    unknown = amara.post(f"/api/v1/incidents/{n}/page", json={"role": "janitor"})
    assert unknown.status_code == 422 and "role" in unknown.text


def test_unacknowledged_cmoc_page_goes_to_the_imoc_after_15_minutes(bench: PagingBench) -> None:
    n = declare(bench, severity="S3")["id"]
    bench.client("amara").post(f"/api/v1/incidents/{n}/page", json={"role": "cmoc"})
    bench.advance(15)
    assert len(notifications(bench, "nadia", "page")) == 1


def test_resolving_stands_down_the_role_pages_still_open(bench: PagingBench) -> None:
    n = declare(bench, severity="S2")["id"]
    amara = bench.client("amara")
    amara.post(f"/api/v1/incidents/{n}/roles/eoc/engage")
    assert amara.post(f"/api/v1/incidents/{n}/resolve").status_code == 200
    bench.advance(60)
    assert notifications(bench, "grace") == [], "the director is not paged for a resolved incident"
    group = (
        bench.client("nadia")
        .get(f"/api/v1/alert-groups/{role_page_group(bench, int(str(n)), 'imoc')}")
        .json()
    )
    assert group["status"] == "resolved"


def test_the_working_document_is_versioned_and_a_stale_edit_is_refused(bench: PagingBench) -> None:
    n = declare(bench, severity="S3")["id"]
    amara, lukas = bench.client("amara"), bench.client("lukas")
    saved = amara.put(f"/api/v1/incidents/{n}/document", json={"body": "# v2\nfindings", "base_version": 1})
    assert saved.status_code == 200 and saved.json()["version"] == 2
    stale = lukas.put(f"/api/v1/incidents/{n}/document", json={"body": "# mine", "base_version": 1})
    assert stale.status_code == 409 and "version 2 by amara" in stale.json()["detail"]
    versions = lukas.get(f"/api/v1/incidents/{n}/document/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert (
        lukas.get(f"/api/v1/incidents/{n}/document", params={"version": 1})
        .json()["body"]
        .startswith("# Incident #1")
    )
    assert "document_edited" in kinds(bench, n)


def test_flagging_an_incident_as_security_later_pages_security_and_hides_it(bench: PagingBench) -> None:
    n = declare(bench, severity="S3")["id"]
    flagged = bench.client("amara").post(f"/api/v1/incidents/{n}/security")
    assert flagged.json()["confidential"] is True
    bench.worker.run_once()
    pages = notifications(bench, "omar", "page")
    assert (
        len(pages) == 1
        and pages[0]["text"].splitlines()[0]
        == "You are paged as SECURITY by onwatch: security related incident"
    )
    assert notifications(bench, "nadia") == [], "an S3 security incident alone does not need the IMOC"


def test_a_security_incident_blocking_a_whole_feature_pages_the_imoc(bench: PagingBench) -> None:
    n = declare(bench, severity="S3", security=True)["id"]
    bench.client("amara").post(f"/api/v1/incidents/{n}/security", json={"impact": "blocks_path_or_feature"})
    bench.worker.run_once()
    pages = notifications(bench, "nadia", "page")
    assert len(pages) == 1 and "security: a whole path or feature is blocked" in pages[0]["text"]
    bad = bench.client("amara").post(f"/api/v1/incidents/{n}/security", json={"impact": "meh"})
    assert bad.status_code == 422 and "impact" in bad.text


def test_role_pages_say_who_asked_and_why(bench: PagingBench) -> None:
    n = declare(bench, severity="S4")["id"]
    bench.client("amara").post(
        f"/api/v1/incidents/{n}/page", json={"role": "imoc", "reason": "need a decision on rollback"}
    )
    bench.worker.run_once()
    page = notifications(bench, "nadia", "page")[0]
    assert page["title"] == "IMOC needed for incident #1 (S4): Elevated 5xx on web"
    reason, _, checklist = page["text"].partition("\n\n")
    assert reason == "You are paged as IMOC by amara: need a decision on rollback"
    assert checklist.splitlines()[:2] == [  # the role's checklist comes with its page (PROCESS.md §2 rule 9)
        "Your IMOC checklist:",
        "[ ] Take ownership: state and status are yours until you hand over",
    ]
    assert {"acknowledge", "resolve", "view"} <= set(page["links"])


def test_declaring_from_an_acknowledged_alert_makes_the_eoc_who_took_the_page_the_owner(
    bench: PagingBench,
) -> None:
    assert bench.fire("HighErrorRate", service="web").status_code == 200
    group = bench.client("nadia").get("/api/v1/alert-groups").json()[0]["id"]
    amara = bench.client("amara")
    amara.post(f"/api/v1/alert-groups/{group}/acknowledge")
    made = (
        bench.client("lukas").post(f"/api/v1/alert-groups/{group}/incident", json={"severity": "S3"}).json()
    )
    incident = amara.get(f"/api/v1/incidents/{made['incident_id']}").json()
    assert (incident["owner"], incident["owner_role"], incident["declared_by"]) == ("amara", "eoc", "lukas")


def test_acknowledging_a_linked_alert_page_engages_the_eoc_on_the_incident(bench: PagingBench) -> None:
    n = declare(bench, by="lukas", severity="S3")["id"]
    bench.fire("DiskFull", service="web")
    group = bench.client("nadia").get("/api/v1/alert-groups").json()[0]["id"]
    lukas = bench.client("lukas")
    assert lukas.post(f"/api/v1/alert-groups/{group}/attach", json={"incident_id": n}).status_code == 200
    bench.client("amara").post(f"/api/v1/alert-groups/{group}/acknowledge")
    incident = lukas.get(f"/api/v1/incidents/{n}").json()
    assert incident["roles"]["eoc"]["person"] == "amara" and incident["owner"] == "amara"
    # someone acknowledging who was not paged engages nobody
    bench.fire("DiskFull2", service="git", fingerprint="fp-2")
    other = next(
        g["id"] for g in bench.client("nadia").get("/api/v1/alert-groups").json() if "DiskFull2" in g["title"]
    )
    lukas.post(f"/api/v1/alert-groups/{other}/attach", json={"incident_id": n})
    lukas.post(f"/api/v1/alert-groups/{other}/acknowledge")
    assert [r["person"] for r in lukas.get(f"/api/v1/incidents/{n}").json()["role_history"]] == ["amara"]
