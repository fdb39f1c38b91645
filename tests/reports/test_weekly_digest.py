"""The weekly digest (`reports.digest`, on in the demo: Monday 09:00 Europe/London, by email to nadia
and in #incident-management): a scripted week of pages on the fake clock, then Monday 09:00, and
the digest's numbers are the reports' for those 7 days, as its reader may see them; a second
worker, a restart or a config applied again sends nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import ConfigError, load_config
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.enums import Severity
from onwatch.reports.digest.domain import duration, percent
from onwatch.reports.digest.timers import week_before
from tests.conftest import DEMO_CONFIG
from tests.paging_helpers import PagingBench, demo_with_receivers, make_bench, running
from tests.process_helpers import posts_to
from tests.receivers import ReceivedMail, SmtpSink, WebhookSink
from tests.reports.helpers import acknowledge, declare_from_group

DEMO_DIGEST = (
    'digest: {every: week, weekday: mon, at: "09:00", timezone: Europe/London, to: [nadia], '
    "channel: incident_management}"
)
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 09:00 in London (GMT)
WEEK = {"from": "2026-11-30T09:00:00Z", "to": "2026-12-07T09:00:00Z"}
SECRET = "Signing key exfiltrated"


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(make_bench(onwatch, webhook_sink, smtp_sink)) as b:
        yield b


def digests(bench: PagingBench, address: str = "nadia@illumidesk.example") -> list[ReceivedMail]:
    return [
        m
        for m in bench.smtp.mails
        if address in m.rcpt_tos and str(m.message["Subject"]).startswith("[onwatch] Week ")
    ]


def channel_digests(bench: PagingBench) -> list[str]:
    return [p for p in posts_to(bench, "incident-management") if "Noisiest alert rules" in p]


def at(bench: PagingBench, day: int, hour: int, minute: int = 0) -> None:
    """Move the clock to that December instant (UTC) and let the engine catch up."""
    bench.clock.set(datetime(2026, 12, day, hour, minute, tzinfo=UTC))
    bench.worker.run_once()


def feedback(bench: PagingBench, group: int, person: str, choice: str) -> None:
    given = bench.client(person).post(f"/api/v1/alert-groups/{group}/feedback", json={"choice": choice})
    assert given.status_code == 201, given.text


def scripted_week(bench: PagingBench) -> None:
    """Tue 1 Dec 09:00Z (the demo clock): DiskFull pages the EOC amara (London), who acknowledges
    in 4 minutes (a page worth it, she says) and declares an S2, resolved 40 minutes after the alert. Wed 23:00Z: CertExpiry
    pages the EOC maria (New York, 18:00); unacknowledged for 15 minutes it pages the IMOC nadia at
    00:15 in Paris (her sleep hours), who acknowledges 5 minutes later (not actionable, she says). Thu 14:00Z: DiskFull again,
    resolved by its source after 10 minutes with nobody acknowledging. Thu 15:00Z: a confidential
    security incident (S2), resolved 5 minutes later."""
    bench.fire("DiskFull", fingerprint="fp-disk-1")
    first = bench.group_of("fp-disk-1")
    bench.advance(4)
    acknowledge(bench, first)
    feedback(bench, first, "amara", "actionable")
    incident = declare_from_group(bench, first, severity=Severity.S2)
    bench.advance(36)
    bench.fire("DiskFull", fingerprint="fp-disk-1", status="resolved")
    resolved = bench.client("amara").post(f"/api/v1/incidents/{incident}/resolve")
    assert resolved.status_code == 200, resolved.text
    at(bench, 2, 23)
    bench.fire("CertExpiry", fingerprint="fp-cert")
    at(bench, 2, 23, 15)
    at(bench, 2, 23, 20)
    acknowledge(bench, bench.group_of("fp-cert"), "nadia")
    feedback(bench, bench.group_of("fp-cert"), "nadia", "not_actionable")
    at(bench, 2, 23, 30)
    bench.fire("CertExpiry", fingerprint="fp-cert", status="resolved")
    at(bench, 3, 14)
    bench.fire("DiskFull", fingerprint="fp-disk-2")
    bench.advance(10)
    bench.fire("DiskFull", fingerprint="fp-disk-2", status="resolved")
    at(bench, 3, 15)
    secret = bench.client("amara").post(
        "/api/v1/incidents", json={"title": SECRET, "severity": "S2", "services": ["web"], "security": True}
    )
    assert secret.status_code == 201, secret.text
    bench.advance(5)
    done = bench.client("amara").post(f"/api/v1/incidents/{secret.json()['id']}/resolve")
    assert done.status_code == 200, done.text
    bench.advance(1)


def reports_api(client: httpx.Client) -> dict[str, Any]:
    def get(name: str, **extra: object) -> Any:
        return client.get(f"/api/v1/reports/{name}", params={**WEEK, **extra}).json()

    return {
        "overall": get("response", period="all", per_service="false"),
        "load": get("load"),
        "noise": get("noise", limit=3),
        "learning": get("learning"),
    }


def times(rows: list[dict[str, Any]], severity: int | None, measure: str) -> str:
    row = next((r for r in rows if r["severity"] == severity and r["measure"] == measure), None)
    if row is None:
        return "none"
    return f"p50 {duration(row['p50'])}, p90 {duration(row['p90'])} (n {row['n']})"


def expected_lines(client: httpx.Client) -> list[str]:
    """The digest's lines as a person reads them off the reports' JSON for the same week."""
    api = reports_api(client)
    by_severity = api["overall"]["rows"]
    overall = client.get("/api/v1/reports/response", params={**WEEK, "period": "all"}).json()
    everything = [r for r in by_severity if r["service"] == ""]
    load = api["load"]["people"]
    learning = api["learning"]
    lines = [
        f"Pages: {sum(p['pages'] for p in load)}, "
        f"{sum(p['interruptions']['sleep'] for p in load)} in the paged person's sleep hours (22:00 to 08:00).",
        f"Alert groups that paged: {sum(u['paged'] for u in overall['unacknowledged'])}, "
        f"{sum(u['unacknowledged'] for u in overall['unacknowledged'])} never acknowledged.",
    ]
    for severity in sorted({r["severity"] for r in everything}, key=lambda s: 9 if s is None else s):
        name = "no incident" if severity is None else f"S{severity}"
        line = f"- {name}: acknowledge {times(everything, severity, 'acknowledge')}"
        if severity is not None:
            line += f"; resolve {times(everything, severity, 'resolve')}"
        lines.append(line)
    for rank, rule in enumerate(api["noise"], start=1):
        verdicts = sum(rule["feedback"].values())
        share = rule["auto_resolved"] / rule["groups"]
        lines.append(
            f"{rank}. {rule['integration']}/{rule['alertname']}: {rule['pages']} pages, {rule['groups']} groups, "
            f"{percent(share)} resolved unacknowledged, "
            + (
                f"actionable {percent(rule['actionable_ratio'])} of {verdicts} verdicts"
                if verdicts
                else "no feedback"
            )
        )
    for p in load:
        bands = ", ".join(
            f"{p['interruptions'][b]} {b.replace('_', '-')}" for b in ("business", "off_hours", "sleep")
        )
        total = sum(p["interruptions"].values())
        lines.append(f"- {p['name']}: {p['hours_on_call']:g} h on call, {total} interruptions ({bands})")
    lines.append(
        f"Learning: reviews on time {learning['reviews_on_time']} of {learning['reviews_due']} "
        f"({percent(learning['review_on_time_rate'])}); corrective actions on time "
        f"{learning['actions_on_time']} of {learning['actions_due']} ({percent(learning['action_on_time_rate'])})."
    )
    return lines


def test_monday_at_nine_one_digest_email_carries_the_weeks_report_numbers(bench: PagingBench) -> None:
    scripted_week(bench)
    bench.clock.set(MONDAY - timedelta(minutes=1))
    bench.worker.run_once()
    assert digests(bench) == [] and channel_digests(bench) == []
    bench.clock.set(MONDAY)
    bench.worker.run_once()
    [mail] = digests(bench)
    text = mail.part("text/plain")
    # by hand: amara paged twice by DiskFull, maria once by CertExpiry, nadia (the IMOC) by its
    # escalation at 00:15 in Paris and by the two incidents' IMOC pages, grace when the S2's went
    # unanswered, omar for the security incident: 8 pages, 1 in someone's sleep hours, from 6 groups
    assert mail.message["Subject"] == "[onwatch] Week 30 Nov to 07 Dec 2026: 8 pages, 1 in sleep hours"
    lines = text.splitlines()
    for line in [
        "The 7 days from Mon 30 Nov 09:00 to Mon 07 Dec 09:00 (Europe/London).",
        "Pages: 8, 1 in the paged person's sleep hours (22:00 to 08:00).",
        "Alert groups that paged: 6, 4 never acknowledged.",
        "- all: acknowledge p50 4.0m, p90 20.0m (n 2); resolve p50 5.0m, p90 40.0m (n 2)",
        "- S2: acknowledge p50 4.0m, p90 4.0m (n 1); resolve p50 5.0m, p90 40.0m (n 2)",
        "- no incident: acknowledge p50 20.0m, p90 20.0m (n 1)",
        "1. prometheus/DiskFull: 2 pages, 2 groups, 50% resolved unacknowledged, actionable 100% of 1 verdicts",
        "2. prometheus/CertExpiry: 2 pages, 1 groups, 0% resolved unacknowledged, actionable 0% of 1 verdicts",
        "- Nadia Haddad: 167 h on call, 3 interruptions (2 business, 0 off-hours, 1 sleep)",
        "- María Gómez: 56 h on call, 1 interruptions (0 business, 1 off-hours, 0 sleep)",
        "Alert noise: http://onwatch.test/reports/noise?from=2026-11-30&to=2026-12-07",
    ]:
        assert line in lines, (line, text)
    # and every figure is what the reports answer nadia for the same 7 days
    for line in expected_lines(bench.client("nadia")):
        assert line in lines, (line, text)
    html = mail.part("text/html")
    assert "<th align='left' style='padding-right:1em'>Sleep-hour pages</th><td>1</td>" in html
    assert 'href="http://onwatch.test/reports/load?from=2026-11-30&amp;to=2026-12-07"' in html


def test_the_channels_digest_leaves_the_confidential_incident_out(bench: PagingBench) -> None:
    scripted_week(bench)
    bench.clock.set(MONDAY)
    bench.worker.run_once()
    [posted] = channel_digests(bench)
    [mail] = digests(bench)
    # nadia (an incident manager) is in the security incident's circle; the channel is not
    assert "S2: acknowledge" in mail.part("text/plain")
    viewer = bench.client("maria", TokenRole.VIEWER)
    for line in expected_lines(viewer):
        assert line in posted, (line, posted)
    assert SECRET not in posted
    # without the security incident: neither its 2 pages (nadia's, omar's) nor its 5 minutes
    assert "Pages: 6, 1 in the paged person's sleep hours" in posted
    assert "- S2: acknowledge p50 4.0m, p90 4.0m (n 1); resolve p50 40.0m, p90 40.0m (n 1)" in posted


def test_a_second_worker_a_restart_and_a_config_applied_again_send_the_week_once(
    bench: PagingBench, onwatch: Onwatch, webhook_sink: WebhookSink
) -> None:
    scripted_week(bench)
    bench.clock.set(MONDAY)
    second = bench.restarted_worker()
    second.run_once()
    bench.worker.run_once()
    assert len(digests(bench)) == 1 and len(channel_digests(bench)) == 1
    # the config applied again at the hour: the week's timer is scheduled anew, and runs again
    apply_config(onwatch.db, load_config(demo_with_receivers(webhook_sink)), now=MONDAY, applied_by="tests")
    for worker in (bench.worker, second, bench.restarted_worker()):
        bench.clock.advance(timedelta(minutes=10))
        worker.run_once()
    assert len(digests(bench)) == 1 and len(channel_digests(bench)) == 1
    # the next week's timer waits in the table: another process's engine sends it, once
    bench.clock.set(MONDAY + timedelta(days=7))
    bench.restarted_worker().run_once()
    bench.worker.run_once()
    assert len(digests(bench)) == 2 and len(channel_digests(bench)) == 2
    assert (
        digests(bench)[1].message["Subject"]
        == "[onwatch] Week 07 Dec to 14 Dec 2026: 0 pages, 0 in sleep hours"
    )


def test_digests_off_send_nothing(bench: PagingBench, onwatch: Onwatch, webhook_sink: WebhookSink) -> None:
    text = demo_with_receivers(webhook_sink).replace(DEMO_DIGEST, "digest: {every: never}")
    apply_config(onwatch.db, load_config(text), now=bench.clock.now(), applied_by="tests")
    bench.clock.set(MONDAY)
    bench.worker.run_once()
    assert digests(bench) == [] and channel_digests(bench) == []


@pytest.mark.parametrize(
    ("digest", "issues"),
    [
        ("{to: [nadia, ghost], channel: nowhere}", {
            "reports.digest.to[1]": "unknown person 'ghost'",
            "reports.digest.channel": "unknown channel 'nowhere'",
        }),
        ("{to: [nadia], at: '25:00'}", {"reports.digest.at"}),
        ("{to: [nadia], timezone: Mars/Olympus}", {"reports.digest.timezone"}),
        ("{to: [nadia], weekday: someday}", {"reports.digest.weekday"}),
        ("{every: week}", {"reports.digest"}),
        ("{to: [nadia], every: fortnight}", {"reports.digest.every"}),
        ("{to: [nadia], cc: [grace]}", {"reports.digest.cc"}),
    ],
)  # fmt: skip
def test_a_bad_digest_config_is_an_error_naming_the_path(digest: str, issues: object) -> None:
    text = DEMO_CONFIG.read_text()
    assert DEMO_DIGEST in text
    with pytest.raises(ConfigError) as err:
        load_config(text.replace(DEMO_DIGEST, f"digest: {digest}"))
    found = {i.path: i.message for i in err.value.issues}
    if isinstance(issues, dict):
        assert found == issues
    else:
        assert set(found) == issues, found


def test_a_digest_covers_the_week_since_the_last_one_across_a_dst_change() -> None:
    # London springs forward on Sunday 29 March 2026: the week to Monday 09:00 BST is 167 hours
    end = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert week_before(end, "Europe/London") == datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
    assert week_before(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "Europe/London") == datetime(
        2026, 11, 30, 9, 0, tzinfo=UTC
    )
