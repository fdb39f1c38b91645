"""Config validation: every error names its path; malformed input never gets through."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onwatch.config.loader import ConfigError, load_config
from onwatch.kernel.enums import Role
from tests.conftest import DEMO_CONFIG


def issues(text: str) -> dict[str, str]:
    with pytest.raises(ConfigError) as err:
        load_config(text)
    return {i.path: i.message for i in err.value.issues}


BASE = """
organisation: {name: Acme}
people:
  ann: {name: Ann, email: ann@acme.example, timezone: Europe/Berlin}
teams:
  sre: {name: SRE, members: [ann]}
services:
  web: {name: Web, slo: {apdex: 0.99, error_ratio: 0.999}}
"""


def test_the_demo_config_is_valid_and_uses_process_defaults() -> None:
    config = load_config(DEMO_CONFIG.read_text())
    assert set(config.services) == {"web", "api", "git", "pages", "registry"}
    assert config.services["git"].slo.error_ratio == 0.9995
    assert config.services["pages"].slo.apdex is None
    assert set(config.roles) == set(Role)
    assert config.process.ack_timeout == timedelta(minutes=15)
    assert config.severities["S1"].update_cadence.investigating == timedelta(minutes=10)
    assert config.severities["S4"].corrective_actions_due == timedelta(days=90)


def test_every_error_is_reported_at_once_with_its_path() -> None:
    found = issues(
        BASE.replace("apdex: 0.99", "apdex: 1.5")
        .replace("timezone: Europe/Berlin", "timezone: Mars/Olympus")
        .replace("email: ann@acme.example", "email: not-an-email")
    )
    assert found == {
        "services.web.slo.apdex": "must be between 0 and 1",
        "people.ann.timezone": "unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin",
        "people.ann.email": "'not-an-email' is not an email address",
    }


def test_references_to_unknown_people_and_teams_are_errors() -> None:
    found = issues(
        BASE.replace("members: [ann]", "members: [ann, zed]") + "roles:\n  eoc: {name: EOC, team: ops}\n"
    )
    assert found == {"teams.sre.members[1]": "unknown person 'zed'", "roles.eoc.team": "unknown team 'ops'"}


def test_unknown_keys_and_roles_are_errors_not_silently_ignored() -> None:
    found = issues(BASE + "roles:\n  boss: {name: Boss}\nservces: {}\n")
    assert "servces" in found and found["servces"] == "Extra inputs are not permitted"
    assert any(path.startswith("roles.boss") for path in found)


def test_durations_need_units() -> None:
    found = issues(BASE + "process: {ack_timeout: 15}\n")
    assert "write durations with a unit" in found["process.ack_timeout"]
    assert load_config(BASE + "process: {ack_timeout: 5m}\n").process.ack_timeout == timedelta(minutes=5)


def test_severity_overrides_merge_with_the_defaults_and_unknown_severities_fail() -> None:
    custom = BASE + (
        "severities:\n  S2: {time_to_mitigate: 12h, time_to_resolve: 3d, corrective_actions_due: 14d,\n"
        "       update_cadence: {investigating: 5m, identified: 10m, monitoring: 20m}}\n"
    )
    config = load_config(custom)
    assert config.severities["S2"].time_to_mitigate == timedelta(hours=12)
    assert config.severities["S1"].time_to_mitigate == timedelta(hours=8)
    assert issues(BASE + "severities: {S9: {}}\n")["severities.S9"] == "severities are S1, S2, S3 and S4"


def test_malformed_yaml_is_reported_with_line_and_column() -> None:
    found = issues("organisation: {name: Acme\npeople: [")
    assert list(found) == [""]
    assert found[""].startswith("malformed YAML: line")


def test_duplicate_keys_are_errors() -> None:
    found = issues(BASE + "services:\n  api: {name: API}\n")
    assert "duplicate key 'services'" in found[""]


@pytest.mark.parametrize("text", ["", "- a list\n- not a mapping\n", "just a string"])
def test_a_document_that_is_not_a_mapping_is_refused(text: str) -> None:
    assert "must be a YAML mapping" in issues(text)[""]


def test_slo_outage_line_must_stay_below_one_and_above_degradation() -> None:
    found = issues(BASE.replace("error_ratio: 0.999}", "error_ratio: 0.9, outage_factor: 20}"))
    assert "not below 1" in found["services.web.slo.outage_factor"]
    found = issues(BASE.replace("error_ratio: 0.999}", "error_ratio: 0.999, degradation_factor: 20}"))
    assert found["services.web.slo.degradation_factor"] == "must be lower than outage_factor"


def test_ids_must_be_url_and_label_safe() -> None:
    found = issues(BASE.replace("  web: {name: Web", "  Web Site: {name: Web"))
    assert found["services.Web Site"] == "ids use a-z, 0-9, '-' and '_' (max 64)"
