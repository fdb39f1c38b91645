"""A bounded, seeded schemathesis run over the whole OpenAPI document against a real `onwatch
serve` on each database: no operation may answer a 5xx, and what each answers must agree with
the document (its status codes, content types and response schemas)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from tests.e2e.conftest import ROOT, Cli, Servers
from tests.e2e.demo_api import start_demo_api

pytestmark = pytest.mark.e2e

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
EXAMPLES = 30  # per operation and phase
# schemathesis repeats its fuzzing phase until the budget is spent: `make test` gives it a short one,
# `make fuzz` ten minutes
SECONDS = os.environ.get("ONWATCH_FUZZ_SECONDS", "45")


def test_no_operation_answers_a_5xx_or_contradicts_the_document(
    cli: Cli, server: Servers, db: Database, org: OnwatchConfig
) -> None:
    api = start_demo_api(cli, server, db)
    run = subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli", "run", f"{api.base}/openapi.json",
            "--header", f"Authorization: Bearer {api.tokens['admin']}",
            "--checks", CHECKS,
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(EXAMPLES),
            "--seed", "21",
            "--max-time", SECONDS,
            "--workers", "1",
            "--request-timeout", "20",
            "--suppress-health-check", "all",
            # revoking tokens at random would revoke the one this run uses (the matrix covers it)
            "--exclude-path", "/api/v1/tokens/{token_id}",
            "--no-color",
            "--generation-database", "none",  # no cache of examples in the work tree
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert "passed" in run.stdout
