"""The OpenAPI document lists the problem+json errors each operation really answers."""

from __future__ import annotations

from typing import Any

import pytest

from onwatch.bootstrap import Onwatch

PROBLEM = {"$ref": "#/components/schemas/Problem"}
# PagerDuty's Events v2 and Change Events clients read PagerDuty's own error bodies
PAGERDUTY_SHAPED = {"/v2/enqueue", "/v2/change/enqueue"}


@pytest.fixture
def document(onwatch: Onwatch) -> dict[str, Any]:
    return onwatch.api().openapi()


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(m.upper(), p): op for p, ops in document["paths"].items() for m, op in ops.items()}


def test_every_error_onwatch_answers_is_a_problem_document(document: dict[str, Any]) -> None:
    assert {"Problem", "FieldProblem"} <= set(document["components"]["schemas"])
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for (method, path), op in operations(document).items():
        for status, answer in op["responses"].items():
            if int(status) >= 400 and path not in PAGERDUTY_SHAPED:
                assert answer["content"] == {"application/problem+json": {"schema": PROBLEM}}, (method, path)


def test_token_routes_document_401_and_403_only_above_the_viewer_role(document: dict[str, Any]) -> None:
    ops = operations(document)
    assert {"401", "422", "404"} <= set(ops["GET", "/api/v1/incidents/{incident_id}"]["responses"])
    assert "403" not in ops["GET", "/api/v1/incidents/{incident_id}"]["responses"]
    declare = set(ops["POST", "/api/v1/incidents"]["responses"])
    assert {"201", "400", "401", "403", "409", "413", "422"} <= declare
    assert "403" in ops["GET", "/api/v1/tokens"]["responses"]


def test_ingest_routes_document_what_they_answer_and_pagerduty_its_own_shape(
    document: dict[str, Any],
) -> None:
    ops = operations(document)
    generic = ops["POST", "/api/v1/integrations/generic/{key}"]
    assert set(generic["responses"]) == {"202", "400", "404", "413", "503"}
    assert "application/json" in generic["requestBody"]["content"]
    pagerduty = ops["POST", "/v2/enqueue"]["responses"]
    assert pagerduty["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PagerDutyError"
    }
    change = ops["POST", "/v2/change/enqueue"]["responses"]
    assert "application/json" in change["400"]["content"]
    assert set(ops["GET", "/healthz"]["responses"]) == {"200", "503"}
