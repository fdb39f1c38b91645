"""SLO configuration: sources, PromQL and detection settings are checked with their paths."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onwatch.config.loader import ConfigError, load_config
from onwatch.config.slo import SloSource
from tests.conftest import DEMO_CONFIG

BASE = """
organisation: {name: Acme}
services:
  web: {name: Web, slo: %s}
escalation_policies:
  default: {name: D, steps: [{targets: [{person: ann}]}]}
people:
  ann: {name: Ann, email: ann@acme.example}
integrations:
  slo: {type: generic, key: slo-key-0123456789abcdef, service: web, escalation_policy: default}
%s
"""
PROM = "slo: {integration: slo, prometheus: {url: 'http://127.0.0.1:9090', timeout: 2s}}"
GOOD_QUERIES = "{requests: 'sum(rate(r[$window]))', errors: 'sum(rate(e[$window]))'}"


def issues(slo: str, settings: str = PROM) -> dict[str, str]:
    with pytest.raises(ConfigError) as err:
        load_config(BASE % (slo, settings))
    return {i.path: i.message for i in err.value.issues}


def test_the_demo_measures_every_service_from_pushed_samples() -> None:
    config = load_config(DEMO_CONFIG.read_text())
    assert config.slo is not None and config.slo.integration == "slo"
    assert config.slo.evaluation_interval == timedelta(seconds=30)
    targets = {sid: (s.slo.apdex, s.slo.error_ratio) for sid, s in config.services.items()}
    assert targets == {
        "web": (0.998, 0.9999),
        "api": (0.995, 0.999),
        "git": (0.998, 0.9995),
        "registry": (0.997, 0.9999),
        "pages": (None, 0.9999),
    }
    assert {s.slo.source for s in config.services.values()} == {SloSource.PUSHED}


def test_a_prometheus_service_with_good_queries_is_valid() -> None:
    config = load_config(
        BASE % (f"{{error_ratio: 0.999, source: prometheus, prometheus: {GOOD_QUERIES}}}", PROM)
    )
    assert config.services["web"].slo.prometheus is not None


@pytest.mark.parametrize(
    ("slo", "settings", "path", "message"),
    [
        (
            "{error_ratio: 0.999, source: prometheus}",
            PROM,
            "services.web.slo.prometheus",
            "'requests' and 'errors' is required",
        ),
        (
            "{error_ratio: 0.999, source: prometheus, prometheus: {requests: 'sum(rate(r[5m]))', errors: 'sum(rate(e[$window]))'}}",
            PROM,
            "services.web.slo.prometheus.requests",
            "must use $window",
        ),
        (
            f"{{apdex: 0.99, source: prometheus, prometheus: {GOOD_QUERIES}}}",
            PROM,
            "services.web.slo.prometheus.apdex_satisfied",
            "required for an apdex objective",
        ),
        (
            f"{{error_ratio: 0.999, source: prometheus, prometheus: {GOOD_QUERIES}}}",
            "slo: {integration: slo}",
            "services.web.slo.source",
            "needs 'slo.prometheus.url'",
        ),
        (
            "{error_ratio: 0.999, source: pushed}",
            "",
            "services.web.slo.source",
            "needs a top-level 'slo:' section",
        ),
        ("{source: pushed}", PROM, "services.web.slo", "needs an 'apdex' or 'error_ratio' objective"),
        (
            "{error_ratio: 0.999, source: pushed}",
            "slo: {integration: nope}",
            "slo.integration",
            "unknown integration 'nope'",
        ),
        (
            "{error_ratio: 0.999, source: statsd}",
            PROM,
            "services.web.slo.source",
            "Input should be 'prometheus' or 'pushed'",
        ),
        (
            "{error_ratio: 0.999, min_request_rate: -1}",
            PROM,
            "services.web.slo.min_request_rate",
            "greater than or equal to 0",
        ),
        (
            "{error_ratio: 0.999, source: pushed}",
            "slo: {integration: slo, prometheus: {url: 'ftp://x'}}",
            "slo.prometheus.url",
            "not an http(s) URL",
        ),
    ],
)
def test_slo_config_errors_name_their_path(slo: str, settings: str, path: str, message: str) -> None:
    found = issues(slo, settings)
    assert path in found, found
    assert message in found[path]
