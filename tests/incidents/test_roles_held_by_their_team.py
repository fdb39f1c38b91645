"""Each role is held by its own people (PROCESS.md §2 rule 7, `roles.<role>.team`): engaging a role,
being asked to take one and an override onto a role's schedule are refused for anyone outside the
role's team, and a schedule member outside it is a config error naming the path."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.loader import ConfigError, load_config
from onwatch.config.role_teams import check_role_teams
from onwatch.config.schema import OnwatchConfig
from tests.paging_helpers import PagingBench, running
from tests.process_helpers import notifications, process_bench, role_page_group, timeline
from tests.receivers import SmtpSink, WebhookSink


@pytest.fixture
def bench(onwatch: Onwatch, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Iterator[PagingBench]:
    with running(process_bench(onwatch, webhook_sink, smtp_sink)) as bench:
        yield bench


def declare(bench: PagingBench, **body: object) -> int:
    payload = {"title": "Git pushes fail", "severity": "S3", **body}
    response = bench.client("amara").post("/api/v1/incidents", json=payload)
    assert response.status_code == 201, response.text
    bench.worker.run_once()
    return int(response.json()["id"])


def test_an_sre_engaging_as_imoc_is_refused_naming_the_team_and_the_refusal_is_recorded(
    bench: PagingBench,
) -> None:
    n = declare(bench)
    refused = bench.client("lukas").post(f"/api/v1/incidents/{n}/roles/imoc/engage")
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "lukas is not in SRE Managers (roles.imoc.team: sre-managers): only its members hold the IMOC role"
    )
    assert refused.json()["errors"][0]["field"] == "person"
    assert any(e["kind"] == "refused" and "engage as IMOC" in e["message"] for e in timeline(bench, n))
    assert bench.client("tom").post(f"/api/v1/incidents/{n}/roles/imoc/engage").status_code == 200


def test_asking_someone_outside_the_team_to_take_a_role_is_refused(bench: PagingBench) -> None:
    n = declare(bench)
    asked = bench.client("amara").post(f"/api/v1/incidents/{n}/roles/cmoc/assign", json={"person": "lukas"})
    assert asked.status_code == 403 and "not in Communications" in asked.json()["detail"]


def test_an_override_putting_someone_outside_the_team_on_a_roles_schedule_is_refused(
    bench: PagingBench,
) -> None:
    body = {"person": "tom", "start": "2026-12-01T10:00:00Z", "end": "2026-12-01T12:00:00Z"}
    refused = bench.client("nadia").post("/api/v1/schedules/sre-8-hour/overrides", json=body)
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "person"
    assert "tom is not in SRE (roles.eoc.team: sre)" in refused.json()["detail"]
    body["person"] = "ravi"
    assert bench.client("nadia").post("/api/v1/schedules/sre-8-hour/overrides", json=body).status_code == 201


def test_the_imoc_taking_an_escalated_cmoc_page_stops_it_without_becoming_the_cmoc(
    bench: PagingBench,
) -> None:
    n = declare(bench, page=["cmoc"])
    bench.advance(15)  # sofia did not answer: the CMOC page goes on to the IMOC
    assert len(notifications(bench, "nadia", "page")) == 1
    group = role_page_group(bench, n, "cmoc")
    assert bench.client("nadia").post(f"/api/v1/alert-groups/{group}/acknowledge").status_code == 200
    incident = bench.client("nadia").get(f"/api/v1/incidents/{n}").json()
    assert incident["roles"].get("cmoc") is None
    bench.advance(60)
    assert notifications(bench, "grace") == []


def test_the_demo_config_keeps_every_role_with_its_team(demo_config: OnwatchConfig) -> None:
    assert check_role_teams(demo_config) == []


def test_a_schedule_member_outside_the_roles_team_is_a_config_error_naming_the_path() -> None:
    text = """
organisation: {name: Acme}
people:
  ann: {name: Ann, email: ann@acme.example}
  bob: {name: Bob, email: bob@acme.example}
teams:
  sre: {name: SRE, members: [ann]}
roles:
  eoc: {name: EOC, team: sre, schedule: primary}
schedules:
  primary:
    name: Primary
    layers:
      - name: base
        rotation: {members: [ann, bob], shift: weekly, handoff: "09:00", timezone: Europe/Berlin, start: 2027-01-04}
"""
    with pytest.raises(ConfigError) as err:
        load_config(text)
    assert {i.path: i.message for i in err.value.issues} == {
        "schedules.primary.layers[0].rotation.members[1]": (
            "bob is not in team 'sre', which holds the EOC role (roles.eoc.team)"
        )
    }
