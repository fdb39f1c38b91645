"""The change parsers take any JSON a sender may post: a draft that satisfies every rule, or a
PayloadError naming fields of the body, never another error (property-based)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from onwatch.alerts.sources.base import PayloadError
from onwatch.changes.domain import MAX_LINKS, MAX_SUMMARY
from onwatch.changes.payloads import CLOCK_SKEW, generic_change, pagerduty_change

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SERVICES = {"web", "api"}
FIELDS = ("service", "summary", "time", "source", "links", "details", "body")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
times = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(lambda t: t.isoformat()),
    st.datetimes().map(lambda t: t.isoformat()),  # no zone: refused
    st.text(max_size=30),
    json_values,
)
links = st.lists(
    st.one_of(
        st.fixed_dictionaries({"href": st.text(max_size=30), "text": st.text(max_size=10)}), json_values
    ),
    max_size=MAX_LINKS + 2,
)
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "service": st.sampled_from(["web", "api", "nope", ""]) | json_values,
            "summary": st.text(max_size=40) | json_values,
            "time": times,
            "source": st.text(max_size=20),
            "links": links,
            "details": json_values,
        },
    ),
)


@given(bodies)
def test_a_generic_change_is_a_valid_draft_or_refused_naming_its_fields(body: Any) -> None:
    try:
        draft = generic_change(body, NOW, SERVICES)
    except PayloadError as exc:
        assert exc.errors and all(f.split("[")[0].split(".")[0] in FIELDS for f, _ in exc.errors)
        return
    assert draft.service_id in SERVICES and draft.summary and len(draft.summary) <= MAX_SUMMARY
    assert draft.at.tzinfo is not None and draft.at <= NOW + CLOCK_SKEW
    assert len(draft.links) <= MAX_LINKS and all(link.href for link in draft.links)


@given(
    st.dictionaries(st.sampled_from(["summary", "source", "timestamp", "custom_details"]), json_values), links
)
def test_a_change_events_body_is_a_valid_draft_or_refused_naming_its_fields(
    payload: dict[str, Any], sent: Any
) -> None:
    try:
        draft = pagerduty_change({"routing_key": "k", "payload": payload, "links": sent}, NOW)
    except PayloadError as exc:
        assert all(f.startswith(("payload.", "links")) for f, _ in exc.errors)
        return
    assert draft.summary and draft.at.tzinfo is not None
    if payload.get("timestamp") in (None, ""):
        assert draft.at == NOW  # as PagerDuty does: no timestamp means when it was received
    assert abs(draft.at - NOW) < timedelta(days=365 * 8000)
