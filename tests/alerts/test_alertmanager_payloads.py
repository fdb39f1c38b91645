"""Alertmanager bodies: the fast decoder (`parse_body`) answers exactly as the field-by-field parser.

`parse_body` decodes a well-formed body with msgspec's typed structs and hands anything else to
`parse`; a user must not be able to tell which one answered: the same events, or the same 400 naming
the same fields.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onwatch.alerts.sources import alertmanager
from onwatch.alerts.sources.base import PayloadError, load_json
from onwatch.paging.domain.alerts import AlertAction, AlertEvent, AlertSeverity

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
MISSING = object()  # a field left out of the body

# "a\x00b": a NUL, which PostgreSQL cannot store, is refused by both alike
texts = st.sampled_from(["", "web", "db-1", "warning", "critical", "x" * 300, "Ünïcode ✓", "a\x00b"])
scalars = st.one_of(texts, st.integers(-3, 3), st.booleans(), st.none(), st.floats(0, 2), st.just([]))
label_maps = st.one_of(
    st.dictionaries(st.sampled_from(["alertname", "service", "severity", "instance", "team"]), texts),
    st.dictionaries(st.sampled_from(["alertname", "severity", "instance"]), scalars),
    scalars,
)
times = st.sampled_from(
    [MISSING, None, "", "0001-01-01T00:00:00Z", "2026-11-29T09:58:00Z", "2026-11-29T09:58:00.123+01:00",
     "2026-11-29T09:58:00", "yesterday", 17]
)  # fmt: skip
statuses = st.sampled_from([MISSING, "firing", "resolved", "pending", None, 1])


string_maps = st.dictionaries(st.sampled_from(["alertname", "service", "severity", "instance"]), texts)
# per field: what Alertmanager sends, and anything else a client might
FIELDS = {
    "status": (st.sampled_from(["firing", "resolved", MISSING]), statuses),
    "labels": (string_maps, st.one_of(st.just(MISSING), label_maps)),
    "annotations": (st.one_of(st.just(MISSING), string_maps), label_maps),
    "startsAt": (st.sampled_from([MISSING, "2026-11-29T09:58:00Z", "0001-01-01T00:00:00Z"]), times),
    "fingerprint": (
        st.one_of(st.just(MISSING), st.text("0123456789abcdef", min_size=1, max_size=16)),
        st.one_of(st.sampled_from([None, "", "f" * 256]), texts, st.integers(0, 9)),
    ),
    "generatorURL": (
        st.sampled_from([MISSING, "http://prom/graph"]),
        st.one_of(st.sampled_from([None, ""]), st.integers(0, 2)),
    ),
    "endsAt": (st.sampled_from([MISSING, "0001-01-01T00:00:00Z"]), st.just(5)),
}


@st.composite
def alerts(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 30)) == 0:
        return draw(scalars)  # not an object at all
    alert: dict[str, Any] = {}
    for name, (usual, unusual) in FIELDS.items():
        value = draw(usual if draw(st.integers(0, 9)) else unusual)
        if value is not MISSING:
            alert[name] = value
    return alert


@st.composite
def payloads(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 30)) == 0:
        return draw(st.one_of(scalars, st.lists(scalars, max_size=2)))
    body: dict[str, Any] = {"version": "4", "receiver": "team-x", "groupLabels": {}}
    status = draw(st.just("firing") if draw(st.integers(0, 3)) else statuses)
    if status is not MISSING:
        body["status"] = status
    external = draw(st.sampled_from([MISSING, "http://am:9093", "http://am:9093", None, 3]))
    if external is not MISSING:
        body["externalURL"] = external
    body["alerts"] = draw(st.lists(alerts(), max_size=4) if draw(st.integers(0, 9)) else scalars)
    return body


def outcome(parse: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "events", list(parse(*args))
    except PayloadError as exc:
        return "errors", exc.errors


@settings(max_examples=600, deadline=None)
@given(payloads())
def test_the_fast_decoder_answers_exactly_as_the_field_by_field_parser(payload: Any) -> None:
    raw = orjson.dumps(payload)
    assert outcome(alertmanager.parse_body, raw, NOW) == outcome(alertmanager.parse, orjson.loads(raw), NOW)


def test_a_well_formed_notification_becomes_one_event_per_alert_keyed_by_fingerprint() -> None:
    raw = orjson.dumps(
        {
            "version": "4",
            "status": "firing",
            "externalURL": "http://am:9093",
            "alerts": [
                {
                    "labels": {"alertname": "HighLatency", "service": "web", "severity": "warning"},
                    "annotations": {"summary": "p99 above 2 s"},
                    "startsAt": "2026-11-29T09:58:00.5Z",
                    "generatorURL": "http://prom/graph?g0",
                    "fingerprint": "a1",
                },
                {"status": "resolved", "labels": {"alertname": "HighLatency", "instance": "web-2"}},
            ],
        }
    )
    first, second = alertmanager.parse_body(raw, NOW)
    assert first == AlertEvent(
        AlertAction.TRIGGER,
        "a1",
        "p99 above 2 s",
        datetime(2026, 11, 29, 9, 58, 0, 500000, tzinfo=UTC),
        AlertSeverity.WARNING,
        "http://prom/graph?g0",
        {"alertname": "HighLatency", "service": "web", "severity": "warning"},
        {"annotations": {"summary": "p99 above 2 s"}, "externalURL": "http://am:9093"},
        ["http://prom/graph?g0"],
    )
    # no fingerprint: keyed by its label set; no severity label: treated as critical (it pages)
    assert second.action is AlertAction.RESOLVE and len(second.dedup_key) == 32
    assert (second.summary, second.source, second.severity) == (
        "HighLatency",
        "web-2",
        AlertSeverity.CRITICAL,
    )
    assert second.at == NOW


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        (b"", ["body"]),
        (b'{"alerts": [', ["body"]),
        (b'{"alerts": []}', ["alerts"]),
        (b'{"status": "firing", "alerts": [{"labels": {"a": {}}, "fingerprint": ""}]}',
         ["alerts[0].labels.a", "alerts[0].fingerprint"]),
        (b'{"alerts": [{"labels": {}, "startsAt": "soon"}]}', ["alerts[0].status", "alerts[0].startsAt"]),
        (b'{"alerts": [{"status": "firing", "labels": {"a": "1", "team": "s\\u0000re"}}]}',
         ["alerts[0].labels.team"]),
    ],
)  # fmt: skip
def test_a_malformed_body_is_refused_naming_each_field_at_fault(raw: bytes, fields: list[str]) -> None:
    with pytest.raises(PayloadError) as refused:
        alertmanager.parse_body(raw, NOW)
    assert [field for field, _ in refused.value.errors] == fields


def test_load_json_names_the_body_when_it_is_not_json() -> None:
    with pytest.raises(PayloadError, match="invalid JSON"):
        load_json(b"{not json")
