"""Every source's importer says which service it could not reach and writes nothing (PagerDuty's
own test is in test_pagerduty_import.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from onwatch.cli.main import app


@pytest.mark.parametrize(
    ("source", "secret_flag", "name"),
    [("opsgenie", "--api-key-file", "Opsgenie"), ("grafana-oncall", "--token-file", "Grafana OnCall")],
)
def test_an_unreachable_base_url_is_a_clear_message_and_writes_nothing(
    tmp_path: Path, source: str, secret_flag: str, name: str
) -> None:
    secret = tmp_path / "secret"
    secret.write_text("anything")
    out = tmp_path / "onwatch.yaml"
    args = ["import", source, secret_flag, str(secret), "--base-url", "http://127.0.0.1:9", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert f"error: cannot reach {name} at http://127.0.0.1:9" in result.output
    assert list(tmp_path.iterdir()) == [secret]  # no config, no overrides script, no URL table
